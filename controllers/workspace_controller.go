// Package controllers holds the reconcilers. They read the cluster, hand what they read to the
// pure packages under internal/, apply the result with server-side apply and write status once.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/idna"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/conflict"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// WorkspaceReconciler provisions and keeps the stack of each MunicipalityWorkspace.
type WorkspaceReconciler struct {
	Client client.Client
	// APIReader reads past the cache, where a stale read could lose an object.
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	// Components are the parts of the stack; desired.Components unless a test says otherwise.
	Components []stack.Component
	// Now is the clock for condition transition times and maintenance windows.
	Now func() time.Time
	// OperatorImage is the operator's own image, for the Job that restores credentials.
	OperatorImage string
	// BuildID names the operator's build in status.settledDigest; "" records and trusts none.
	BuildID string

	capabilities *capabilities
	// platformSecrets serves the Secrets platforms name, from a watch each.
	platformSecrets *platformSecrets
	// fingerprints are those of the objects the cache holds trimmed, as last applied.
	fingerprints fingerprints
	// settled are the inputs of each workspace's last reconcile that had nothing to do.
	settled settledWorkspaces
	// publicKeys are the public halves of generated private keys, as last derived.
	publicKeys publicKeys
	// compliance submits Gaia-X credentials to the platforms' compliance services.
	compliance *complianceSubmitter
	// rulebook holds the components' upgrade rules and inventory the kinds they create, both
	// derived once from the components (SetupWithManager).
	rulebook     upgrade.Rulebook
	inventory    kindInventory
	upgrades     upgradeLedger
	statusWrites statusWrites
}

// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces/finalizers,verbs=update
// The operator manages its finalizer, which the workspace-fields admission policy leaves to the
// provider (config/admission/workspace-fields.yaml): it holds the provider's pseudo-subresource.
// +kubebuilder:rbac:groups=rathaus.io,resources=municipalityworkspaces/provider,verbs=update
// +kubebuilder:rbac:groups=rathaus.io,resources=workspaceplatforms;stackreleases,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=resourcequotas;limitranges;configmaps;secrets;services;serviceaccounts;persistentvolumeclaims,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=pods;events,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies;ingresses,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=postgresql.cnpg.io,resources=clusters;databases;scheduledbackups,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=barmancloud.cnpg.io,resources=objectstores,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;update;patch;delete

// Reconcile brings one workspace's stack to its desired state and records the outcome in the
// workspace's status with a single patch.
func (r *WorkspaceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	ws := &rathausv1alpha1.MunicipalityWorkspace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ws); err != nil {
		if apierrors.IsNotFound(err) {
			r.statusWrites.forget(req.NamespacedName)
			r.fingerprints.forget(req.NamespacedName)
			r.settled.forget(req.NamespacedName)
			r.publicKeys.forget(req.Namespace)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.statusWrites.stale(req.NamespacedName, ws.ResourceVersion) {
		return ctrl.Result{RequeueAfter: staleRequeue}, nil
	}
	if !ws.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, ws)
	}
	if !controllerutil.ContainsFinalizer(ws, ownership.Finalizer) {
		// The finalizer goes on before any object is created, so nothing can be left behind.
		patch := client.MergeFrom(ws.DeepCopy())
		controllerutil.AddFinalizer(ws, ownership.Finalizer)
		if err := r.Client.Patch(ctx, ws, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("adding finalizer: %w", err)
		}
	}
	if ws.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("Workspace is suspended, leaving its stack as it is")
		return ctrl.Result{}, nil
	}

	before := ws.DeepCopy()
	res := r.reconcileStack(ctx, ws)
	defer func() {
		deferred, err := r.patchStatus(ctx, before, ws, res)
		if err != nil {
			retErr = errors.Join(retErr, err)
		}
		if retErr == nil {
			result = requeueWithin(deferred, result)
		}
	}()
	result, err := resultFor(res.outcome)
	return requeueWithin(res.compliance.requeue, upgradeRequeue(res.upgrade, result)), err
}

// resultFor tells controller-runtime what to do after a reconcile with this outcome.
func resultFor(outcome status.Outcome) (ctrl.Result, error) {
	switch {
	case outcome.Err != nil:
		return ctrl.Result{}, outcome.Err
	case outcome.Stalled != nil && outcome.Stalled.Unwatched:
		return ctrl.Result{RequeueAfter: unwatchedRecheck}, nil
	case outcome.Stalled != nil:
		// Retrying cannot help; a change of the workspace, platform or catalog is watched and
		// brings the workspace back.
		return ctrl.Result{}, reconcile.TerminalError(errors.New(outcome.Stalled.Reason + ": " + outcome.Stalled.Message))
	case len(outcome.Waiting) > 0:
		// Children's status changes are watched; this is only a safety net.
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}
	return ctrl.Result{}, nil
}

// unwatchedRecheck is how often a workspace stalled by something no watch sees is looked at
// again.
const unwatchedRecheck = 5 * time.Minute

// stackResult is what a reconcile of the stack found, for the status.
type stackResult struct {
	outcome status.Outcome
	// in are the inputs as far as they were gathered.
	in stack.Inputs
	// release is the version whose objects were applied; empty when applying did not succeed.
	release string
	// hosts are the hosts the workspace now holds; nil when the conflict check did not pass,
	// so that the hosts it held before stay held.
	hosts []string
	// reports are the components' availability; nil when the stack was not applied.
	reports []health.Report

	// dnsRecords are what the municipality must publish, from the same inputs as the stack;
	// dnsKnown is false when the inputs were not complete, so the previous list stays.
	dnsRecords []rathausv1alpha1.DNSRecord
	dnsKnown   bool

	// upgrade is where the workspace stands between releases; nil before it is decided.
	upgrade *upgrade.Outcome

	// objectsFingerprint is the digest of the objects' fingerprints, once all are known.
	objectsFingerprint string

	// compliance is what the Gaia-X compliance step found.
	compliance complianceResult

	// settledAnew is true when this reconcile rendered the stack, found it as desired and
	// wrote nothing; resume then gives what status.settledDigest is made from, asked only
	// when the status is written (recordSettled).
	settledAnew bool
	resume      func() *resumeBasis
	// inputsDigest is desired.InputsDigest of in, once the inputs are gathered.
	inputsDigest string
	// reported is true when the inputs are those the workspace settled with and its status
	// holds what the reporters of the inputs alone say of them (settled.reported).
	reported bool
}

// reconcileStack gathers the inputs, ensures generated credentials, renders the desired
// state, applies it, prunes what is no longer desired and judges the components' health.
func (r *WorkspaceReconciler) reconcileStack(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) stackResult {
	in, stalled, err := r.gatherInputs(ctx, ws)
	res := stackResult{in: in, hosts: in.Hosts}
	if err != nil || stalled != nil {
		res.outcome = status.Outcome{Stalled: stalled, Err: err}
		return res
	}
	decision, ok := r.selectRelease(ctx, ws, &res)
	if !ok {
		return res
	}
	in.Release = decision.Render
	owned, err := r.owned(ctx, ws)
	if err != nil {
		res.outcome.Err = err
		return res
	}
	in.Observed = owned
	if in.BackupPods, err = r.backupPods(ctx, ws, in.Platform.Spec.Backup); err != nil {
		res.outcome.Err = err
		return res
	}
	if in, err = desired.Derive(in, r.Components); err != nil {
		res.outcome.Stalled = &status.Problem{Reason: rathausv1alpha1.ReasonInvalidSpec, Message: err.Error()}
		return res
	}
	res.in = in
	specs := in.Credentials
	// The namespace's labels before anything else is written there (config/admission/
	// operator-scope.yaml), then credentials before rendering: some records publish the public
	// half of a generated key.
	ns, err := desired.Namespace(in)
	if err != nil {
		res.outcome.Err = err
		return res
	}
	nsObserved, _, problem, err := r.applyAll(ctx, ws, []*unstructured.Unstructured{ns}, nil)
	if err != nil || problem != nil {
		res.outcome = status.Outcome{Stalled: problem, Err: err}
		return res
	}
	public, problem, err := r.ensureSecrets(ctx, in, specs)
	if err != nil || problem != nil {
		res.outcome = status.Outcome{Stalled: problem, Err: err}
		return res
	}
	in.PublicKeys = public
	res.in = in
	in.Records = desired.Records(in, r.Components)
	res.dnsRecords, res.dnsKnown = in.Records, true
	digest, err := desired.InputsDigest(in)
	if err != nil {
		res.outcome.Err = err
		return res
	}
	res.inputsDigest = digest
	objs, observed := r.settledState(client.ObjectKeyFromObject(ws), &ws.Status, digest, in, nsObserved, &res)
	if objs == nil {
		if objs, observed, ok = r.converge(ctx, ws, in, digest, &res); !ok {
			return res
		}
	}
	res.reports = health.Components(in, r.Components, objs, observed)
	if res.settledAnew {
		reports := res.reports
		res.resume = func() *resumeBasis { return r.resumeBasis(in, nsObserved, objs, observed, reports) }
	}
	res.outcome = status.OutcomeOf(res.reports)
	r.finishUpgrade(&res, decision)
	res.compliance = r.checkCompliance(ctx, ws, in)
	return res
}

// gatherInputs reads what the desired state depends on, except the release, which
// selectRelease picks. A problem the user must fix is returned as a Problem, a failed read as
// an error.
func (r *WorkspaceReconciler) gatherInputs(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) (stack.Inputs, *status.Problem, error) {
	in := stack.Inputs{Workspace: ws, OperatorImage: r.OperatorImage}

	candidates, err := r.conflictCandidates(ctx, ws)
	if err != nil {
		return in, nil, fmt.Errorf("listing workspaces: %w", err)
	}
	claimed := desired.ClaimedHosts(ws, r.Components)
	if err := punycodeValid(claimed); err != nil {
		return in, &status.Problem{Reason: rathausv1alpha1.ReasonInvalidSpec, Message: err.Error()}, nil
	}
	if c := r.conflicts().Find(ws, candidates); c != nil {
		log.FromContext(ctx).Info("Workspace conflicts with another", "reason", c.Reason, "holder", c.Holder)
		return in, &status.Problem{Reason: c.Reason, Message: c.Message}, nil
	}
	in.Hosts = claimed

	if w := ws.Spec.MaintenanceWindow; w != nil && w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil {
			return in, &status.Problem{Reason: rathausv1alpha1.ReasonInvalidSpec, Message: fmt.Sprintf("maintenanceWindow.timeZone %q is not an IANA time zone such as Europe/Berlin", w.TimeZone)}, nil
		}
	}

	platform := &rathausv1alpha1.WorkspacePlatform{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: ws.PlatformName()}, platform); err != nil {
		if apierrors.IsNotFound(err) {
			return in, &status.Problem{Reason: rathausv1alpha1.ReasonPlatformNotFound, Message: fmt.Sprintf("WorkspacePlatform %s does not exist", ws.PlatformName())}, nil
		}
		return in, nil, fmt.Errorf("reading platform: %w", err)
	}
	in.Platform = platform
	if err := upgrade.WindowAllowed(ws.Spec.MaintenanceWindow, platform.Spec.Upgrades.WindowLimits); err != nil {
		return in, &status.Problem{Reason: rathausv1alpha1.ReasonMaintenanceWindowNotAllowed, Message: err.Error()}, nil
	}
	if problem, err := r.checkCapabilities(ws, platform); err != nil || problem != nil {
		return in, problem, err
	}
	for _, ref := range desired.PlatformSecretRefs(platform, r.Components) {
		secret, err := r.platformSecret(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return in, &status.Problem{Reason: rathausv1alpha1.ReasonPlatformSecretMissing, Message: fmt.Sprintf("Secret %s/%s named by WorkspacePlatform %s does not exist", ref.Namespace, ref.Name, platform.Name)}, nil
			}
			return in, nil, fmt.Errorf("reading platform Secret: %w", err)
		}
		if in.PlatformSecrets == nil {
			in.PlatformSecrets = map[string]map[string][]byte{}
		}
		in.PlatformSecrets[stack.RefKey(ref)] = secret.Data
	}

	return in, nil, nil
}

// checkCapabilities makes sure the APIs the components need for the platform's choices are
// installed.
func (r *WorkspaceReconciler) checkCapabilities(ws *rathausv1alpha1.MunicipalityWorkspace, platform *rathausv1alpha1.WorkspacePlatform) (*status.Problem, error) {
	for _, n := range desired.Needs(ws, platform, r.Components) {
		installed, err := r.capabilities.installed(n.Kind)
		if err != nil {
			return nil, fmt.Errorf("looking up %s: %w", n.Kind.Kind, err)
		}
		if !installed {
			return &status.Problem{Reason: n.Reason, Message: fmt.Sprintf("WorkspacePlatform %s asks for %s not installed", platform.Name, n.What), Unwatched: true}, nil
		}
	}
	return nil, nil
}

// conflicts is the conflict checker of the reconciler's components.
func (r *WorkspaceReconciler) conflicts() conflict.Checker {
	return conflict.Checker{Claimed: desired.ClaimedHostsOf(r.Components)}
}

// punycodeValid checks the hosts' internationalized labels (xn--...), which the schema can only
// shape-check: a label that does not decode (xn--a.de) names no domain anyone can register, and
// browsers and resolvers refuse it.
func punycodeValid(hosts []string) error {
	for _, h := range hosts {
		if !strings.Contains(h, "xn--") {
			continue
		}
		if _, err := idna.Lookup.ToUnicode(h); err != nil {
			return fmt.Errorf("host %s is not valid punycode: write umlauts as their IDNA form, e.g. xn--mnchen-3ya.de for münchen.de", h)
		}
	}
	return nil
}
