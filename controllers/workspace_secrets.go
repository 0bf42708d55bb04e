package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

// ensureSecrets creates the generated-credential Secrets that do not exist and adds keys that
// are missing. A generated value that exists is never changed; only the static connection
// details (host, port, ...) are kept current. Values are never logged. It returns the public
// halves of generated private keys, by stack.KeyRef, for records that publish them.
func (r *WorkspaceReconciler) ensureSecrets(ctx context.Context, in stack.Inputs, specs []secrets.Spec) (map[string][]byte, *status.Problem, error) {
	public := map[string][]byte{}
	for _, spec := range specs {
		var data map[string][]byte
		existing, err := r.generatedSecret(ctx, in, spec.Name)
		switch {
		case apierrors.IsNotFound(err):
			created, problem, err := r.createSecret(ctx, in, spec)
			if err != nil || problem != nil {
				return nil, problem, err
			}
			data = created
		case err != nil:
			return nil, nil, fmt.Errorf("reading Secret %s: %w", spec.Name, err)
		default:
			if data, err = r.completeSecret(ctx, existing, spec); err != nil {
				return nil, nil, err
			}
		}
		for _, k := range spec.Keys {
			if k.Kind == secrets.KindPassword {
				continue
			}
			// A key that does not parse is left unpublished rather than stalling everything;
			// the service that signs with it reports the problem.
			if der, err := r.publicKeys.derive(in.Workspace.Namespace, stack.KeyRef(spec.Name, k.Name), data[k.Name]); err == nil {
				public[stack.KeyRef(spec.Name, k.Name)] = der
			} else {
				log.FromContext(ctx).Info("Generated key does not parse; its public half is not published", "secret", spec.Name, "key", k.Name, "error", err.Error())
			}
		}
	}
	return public, nil, nil
}

// createSecret creates a Secret the cache does not hold. The cache holds only labelled
// Secrets, so the name may be taken: by a Secret without the operator's labels, a conflict a
// human must resolve (the workspace stalls and is not retried on its own); or by this
// workspace's own Secret that the cache has not caught up with (created moments ago, or
// after the API server was unreachable, when client-go waits up to 30 s before watching
// again), which is then used as the API server has it: failing instead would put the
// workspace into the work queue's growing backoff.
//
// It creates first and asks later: a new workspace needs a score of Secrets, and reading each
// one before creating it would add as many requests to every provisioning; Create never
// overwrites, so a taken name only costs the failed create. A workspace already stalled on
// such a conflict reads first instead, so that its every reconcile costs a read, not a
// failing write.
func (r *WorkspaceReconciler) createSecret(ctx context.Context, in stack.Inputs, spec secrets.Spec) (map[string][]byte, *status.Problem, error) {
	secret := desired.SecretObject(in, spec)
	if stalledReason(in.Workspace) == rathausv1alpha1.ReasonSecretConflict {
		if data, problem, err := r.takenSecret(ctx, in, secret, spec); err == nil || !apierrors.IsNotFound(err) {
			return data, problem, err
		}
	}
	data, err := secrets.Generate(spec.Keys, secrets.Reader)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range spec.Static {
		data[k] = []byte(v)
	}
	secret.Data = data
	err = retry.OnError(admissionLag, deniedForUnlabelledNamespace, func() error {
		return r.Client.Create(ctx, secret, client.FieldOwner(ownership.FieldOwner))
	})
	switch {
	case err == nil:
		log.FromContext(ctx).Info("Created generated credentials", "secret", spec.Name, "keys", len(spec.Keys))
		return data, nil, nil
	case apierrors.IsAlreadyExists(err):
		data, problem, err := r.takenSecret(ctx, in, secret, spec)
		if apierrors.IsNotFound(err) {
			err = fmt.Errorf("Secret %s was deleted while being created", spec.Name)
		}
		return data, problem, err
	default:
		return nil, nil, fmt.Errorf("creating Secret %s: %w", spec.Name, err)
	}
}

// takenSecret reads a Secret past the cache. The workspace's own is completed and its data
// returned; one the operator does not manage is a conflict Problem. A NotFound error means the
// name is free.
func (r *WorkspaceReconciler) takenSecret(ctx context.Context, in stack.Inputs, secret *corev1.Secret, spec secrets.Spec) (map[string][]byte, *status.Problem, error) {
	existing := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(secret), existing); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("reading Secret %s: %w", secret.Name, err)
	}
	if ownership.WorkspaceOf(existing) != in.Workspace.Name {
		return nil, &status.Problem{Reason: rathausv1alpha1.ReasonSecretConflict, Message: fmt.Sprintf("Secret %s exists but is not managed by rathaus; rename or remove it", secret.Name), Unwatched: true}, nil
	}
	data, err := r.completeSecret(ctx, existing, spec)
	return data, nil, err
}

// stalledReason is the reason of the workspace's Stalled condition when it is True, else "".
func stalledReason(ws *rathausv1alpha1.MunicipalityWorkspace) string {
	if c := meta.FindStatusCondition(ws.Status.Conditions, rathausv1alpha1.ConditionStalled); c != nil && c.Status == metav1.ConditionTrue {
		return c.Reason
	}
	return ""
}

// generatedSecret is the workspace's Secret name as the cache holds it: among the objects the
// reconcile has already read (in.Observed holds every Secret with the workspace's labels, so a
// settled workspace's reconcile copies none again), else read from the cache by name.
func (r *WorkspaceReconciler) generatedSecret(ctx context.Context, in stack.Inputs, name string) (*corev1.Secret, error) {
	if s, ok := in.Observed[stack.Key("Secret", in.Workspace.Namespace, name)].(*corev1.Secret); ok {
		return s, nil
	}
	existing := &corev1.Secret{}
	return existing, r.Client.Get(ctx, types.NamespacedName{Namespace: in.Workspace.Namespace, Name: name}, existing)
}

// completeSecret adds missing generated keys and corrects static ones, with an optimistic lock
// so that a concurrent writer can never have its values overwritten, and returns the data.
// It writes to a copy: existing may be one of the reconcile's observed objects.
func (r *WorkspaceReconciler) completeSecret(ctx context.Context, existing *corev1.Secret, spec secrets.Spec) (map[string][]byte, error) {
	missing := secrets.Missing(spec, existing.Data)
	stale := secrets.StaleStatic(spec, existing.Data)
	if len(missing) == 0 && len(stale) == 0 {
		return existing.Data, nil
	}
	generated, err := secrets.Generate(missing, secrets.Reader)
	if err != nil {
		return nil, err
	}
	patch := client.MergeFromWithOptions(existing, client.MergeFromWithOptimisticLock{})
	updated := existing.DeepCopy()
	if updated.Data == nil {
		updated.Data = map[string][]byte{}
	}
	for k, v := range generated {
		updated.Data[k] = v
	}
	for _, k := range stale {
		updated.Data[k] = []byte(spec.Static[k])
	}
	if err := r.Client.Patch(ctx, updated, patch, client.FieldOwner(ownership.FieldOwner)); err != nil {
		return nil, fmt.Errorf("completing Secret %s: %w", spec.Name, err)
	}
	log.FromContext(ctx).Info("Completed generated credentials", "secret", spec.Name, "generatedKeys", len(missing), "updatedStaticKeys", stale)
	return updated.Data, nil
}
