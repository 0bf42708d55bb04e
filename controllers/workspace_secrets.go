package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/inventory"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

// ReasonSecretConflict stalls a workspace whose generated Secret's name is taken by a Secret
// the operator does not manage; it never overwrites someone else's Secret.
const ReasonSecretConflict = "SecretConflict"

// ensureSecrets creates the generated-credential Secrets that do not exist and adds keys that
// are missing. A generated value that exists is never changed; only the static connection
// details (host, port, ...) are kept current. Values are never logged. It returns the public
// halves of generated private keys, by stack.KeyRef, for records that publish them.
func (r *WorkspaceReconciler) ensureSecrets(ctx context.Context, in stack.Inputs, specs []secrets.Spec) (map[string][]byte, *status.Problem, error) {
	public := map[string][]byte{}
	for _, spec := range specs {
		existing := &corev1.Secret{}
		var data map[string][]byte
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: in.Workspace.Namespace, Name: spec.Name}, existing)
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
			if err := r.completeSecret(ctx, existing, spec); err != nil {
				return nil, nil, err
			}
			data = existing.Data
		}
		for _, k := range spec.Keys {
			if k.Kind == secrets.KindPassword {
				continue
			}
			// A key that does not parse is left unpublished rather than stalling everything;
			// the service that signs with it reports the problem.
			if der, err := secrets.PublicKeyDER(data[k.Name]); err == nil {
				public[stack.KeyRef(spec.Name, k.Name)] = der
			} else {
				log.FromContext(ctx).Info("Generated key does not parse; its public half is not published", "secret", spec.Name, "key", k.Name, "error", err.Error())
			}
		}
	}
	return public, nil, nil
}

// createSecret creates a Secret the cache does not hold. The cache only holds labelled Secrets,
// so it first asks the API server whether the name is taken by a Secret without the
// operator's labels: that is a conflict a human must resolve, and asking costs a read, while
// trying to create would cost a failing write on every reconcile. A Secret of the workspace
// that the cache has not caught up with is used as the API server has it.
func (r *WorkspaceReconciler) createSecret(ctx context.Context, in stack.Inputs, spec secrets.Spec) (map[string][]byte, *status.Problem, error) {
	secret := desired.SecretObject(in, spec)
	existing := &corev1.Secret{}
	err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(secret), existing)
	switch {
	case err == nil && inventory.WorkspaceOf(existing) != in.Workspace.Name:
		return nil, &status.Problem{Reason: ReasonSecretConflict, Message: fmt.Sprintf("Secret %s exists but is not managed by rathaus; rename or remove it", spec.Name), Unwatched: true}, nil
	case err == nil:
		// The workspace's own Secret, not in the cache yet: created moments ago, or the
		// cache is still catching up after the API server was unreachable (client-go waits
		// up to 30 s between attempts to watch again). The API server's copy is the truth;
		// failing instead would put the workspace into the work queue's growing backoff.
		if err := r.completeSecret(ctx, existing, spec); err != nil {
			return nil, nil, err
		}
		return existing.Data, nil, nil
	case !apierrors.IsNotFound(err):
		return nil, nil, fmt.Errorf("reading Secret %s: %w", spec.Name, err)
	}

	data, err := secrets.Generate(spec.Keys, secrets.Reader)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range spec.Static {
		data[k] = []byte(v)
	}
	secret.Data = data
	if err := r.Client.Create(ctx, secret, client.FieldOwner(inventory.FieldOwner)); err != nil {
		return nil, nil, fmt.Errorf("creating Secret %s: %w", spec.Name, err)
	}
	log.FromContext(ctx).Info("Created generated credentials", "secret", spec.Name, "keys", len(spec.Keys))
	return data, nil, nil
}

// completeSecret adds missing generated keys and corrects static ones, with an optimistic lock
// so that a concurrent writer can never have its values overwritten.
func (r *WorkspaceReconciler) completeSecret(ctx context.Context, existing *corev1.Secret, spec secrets.Spec) error {
	missing := secrets.Missing(spec, existing.Data)
	stale := secrets.StaleStatic(spec, existing.Data)
	if len(missing) == 0 && len(stale) == 0 {
		return nil
	}
	generated, err := secrets.Generate(missing, secrets.Reader)
	if err != nil {
		return err
	}
	patch := client.MergeFromWithOptions(existing.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if existing.Data == nil {
		existing.Data = map[string][]byte{}
	}
	for k, v := range generated {
		existing.Data[k] = v
	}
	for _, k := range stale {
		existing.Data[k] = []byte(spec.Static[k])
	}
	if err := r.Client.Patch(ctx, existing, patch, client.FieldOwner(inventory.FieldOwner)); err != nil {
		return fmt.Errorf("completing Secret %s: %w", spec.Name, err)
	}
	log.FromContext(ctx).Info("Completed generated credentials", "secret", spec.Name, "generatedKeys", len(missing), "updatedStaticKeys", stale)
	return nil
}
