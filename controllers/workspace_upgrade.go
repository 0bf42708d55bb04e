package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/status"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshots,verbs=get;list;watch;create

// Defaults of the platform's upgrade settings, as in the CRD.
const (
	defaultMaxConcurrent = 10
	defaultCanarySoak    = 24 * time.Hour
	defaultStepTimeout   = 30 * time.Minute
)

// volumeSnapshotKind is the CSI snapshot API (kubernetes-csi/external-snapshotter,
// client/apis/volumesnapshot/v1).
var volumeSnapshotKind = schema.GroupVersionKind{Group: "snapshot.storage.k8s.io", Version: "v1", Kind: "VolumeSnapshot"}

// selectRelease picks the release to apply. It resolves the workspace's target from its
// spec.release and the release catalog, listed once per reconcile; decides the upgrade over
// the same catalog (upgrade.Decide); and runs the decision's first effect: the snapshots of a
// step that starts are created before anything is applied. The decision's Render is the
// release to apply. It records the upgrade's outcome as decided in res; when the reconcile
// cannot go on (a failed read, no such release, an upgrade blocked) it records why and returns
// false.
func (r *WorkspaceReconciler) selectRelease(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, res *stackResult) (upgrade.Decision, bool) {
	var catalog rathausv1alpha1.StackReleaseList
	if err := r.Client.List(ctx, &catalog); err != nil {
		res.outcome.Err = fmt.Errorf("listing releases: %w", err)
		return upgrade.Decision{}, false
	}
	target, err := release.Resolve(ws.Spec.Release, catalog.Items)
	if err != nil {
		var notFound *release.NotFoundError
		if errors.As(err, &notFound) {
			res.outcome.Stalled = &status.Problem{Reason: rathausv1alpha1.ReasonReleaseNotFound, Message: notFound.Error()}
		} else {
			res.outcome.Err = err
		}
		return upgrade.Decision{}, false
	}
	d, err := r.decideUpgrade(ctx, ws, res.in.Platform, target, catalog.Items)
	if err == nil && d.Start != nil {
		err = r.takeSnapshots(ctx, ws, res.in.Platform, d.Start)
	}
	if err != nil {
		res.outcome.Err = err
		return d, false
	}
	o := d.Outcome()
	res.upgrade = &o
	if p := d.Blocked; p != nil {
		res.outcome.Stalled = &status.Problem{Reason: p.Reason, Message: p.Message}
		return d, false
	}
	return d, true
}

// decideUpgrade gathers the facts of the workspace's upgrade and decides. The facts only some
// decisions need are read when the decision asks for them, each once: the readiness of the
// snapshots of a step backing up, the data volumes of a step that migrates data, and last the
// fleet.
func (r *WorkspaceReconciler) decideUpgrade(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, platform *rathausv1alpha1.WorkspacePlatform, target *rathausv1alpha1.StackRelease, catalog []rathausv1alpha1.StackRelease) (upgrade.Decision, error) {
	timeout, soak, maxConcurrent := platformUpgrades(platform)
	f := upgrade.Facts{
		Now:    r.Now(),
		Status: ws.Status.Upgrade, Applied: ws.Status.Release,
		Target: target, Selector: ws.Spec.Release,
		Catalog:     append(slices.Clone(catalog), *release.BuiltIn()),
		Rules:       r.rulebook,
		StepTimeout: timeout, Policy: upgrade.Policy{MaxConcurrent: maxConcurrent, Soak: soak},
		Window: ws.Spec.MaintenanceWindow, Upgrades: ws.Spec.Upgrades,
	}
	for range 3 {
		d := upgrade.Decide(f)
		var err error
		switch d.Missing {
		case upgrade.FactNone:
			return d, d.Err
		case upgrade.FactBackup:
			f.Backup, err = r.snapshotsReady(ctx, ws.Namespace, ws.Status.Upgrade.Step.Snapshots)
		case upgrade.FactVolumes:
			f.Volumes, err = r.volumes(ctx, ws, platform)
		case upgrade.FactFleet:
			return r.decideInFleet(ctx, ws, f, catalog)
		}
		if err != nil {
			return upgrade.Decision{}, err
		}
	}
	return upgrade.Decision{}, errors.New("the upgrade decision asked for a fact it was given")
}

// finishUpgrade completes the decision with the health of the applied stack (upgrade.Finish):
// the upgrade's outcome goes to the status, a halted step or a refused plan stalls the
// workspace, and a step that succeeded frees its slot.
func (r *WorkspaceReconciler) finishUpgrade(res *stackResult, d upgrade.Decision) {
	h := upgrade.Health{Applied: res.release, Waiting: res.outcome.Waiting}
	if p := res.outcome.Stalled; p != nil {
		h.Stalled = &upgrade.Problem{Reason: p.Reason, Message: p.Message}
	}
	o := upgrade.Finish(d, h)
	res.upgrade = &o
	if o.Stalled != nil {
		res.outcome.Stalled = &status.Problem{Reason: o.Stalled.Reason, Message: o.Stalled.Message}
	}
	if o.Finished {
		r.forget(res.in.Workspace)
	}
}

// applyUpgradeStatus writes the upgrade's status and UpToDate condition.
func (r *WorkspaceReconciler) applyUpgradeStatus(ws *rathausv1alpha1.MunicipalityWorkspace, st *rathausv1alpha1.MunicipalityWorkspaceStatus, up *upgrade.Outcome) {
	if up == nil {
		return
	}
	st.Upgrade = up.Status
	status.SetCondition(&st.Conditions, up.Condition(ws.Generation), metav1.NewTime(r.Now()))
}

// stepCounted is the rathaus_upgrade_steps_total label of each step result.
var stepCounted = map[upgrade.StepResult]metrics.StepResult{
	upgrade.StepStarted: metrics.StepStarted, upgrade.StepSucceeded: metrics.StepSucceeded, upgrade.StepFailed: metrics.StepFailed,
}

// announceUpgrade logs and emits the upgrade's Events and counts its steps; called once the
// status recording them is written.
func (r *WorkspaceReconciler) announceUpgrade(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, up *upgrade.Outcome) {
	if up == nil {
		return
	}
	for _, e := range up.Events {
		log.FromContext(ctx).Info(e.Message, "event", e.Reason)
		r.Recorder.Eventf(ws, nil, e.Type, e.Reason, "Upgrade", "%s", e.Message)
	}
	for _, c := range up.Counts {
		metrics.CountUpgradeStep(stepCounted[c])
	}
}

// upgradeRequeue shortens the result's requeue to what the upgrade waits for.
func upgradeRequeue(up *upgrade.Outcome, res ctrl.Result) ctrl.Result {
	if up == nil {
		return res
	}
	return requeueWithin(up.RequeueAfter, res)
}

// platformUpgrades returns the platform's step timeout, canary soak and concurrency limit.
func platformUpgrades(p *rathausv1alpha1.WorkspacePlatform) (timeout, soak time.Duration, maxConcurrent int) {
	timeout, soak, maxConcurrent = defaultStepTimeout, defaultCanarySoak, defaultMaxConcurrent
	u := p.Spec.Upgrades
	// A duration that does not parse (stored before the schema checked them) counts as unset.
	if u.StepTimeout != nil && u.StepTimeout.Valid() && u.StepTimeout.Duration > 0 {
		timeout = u.StepTimeout.Duration
	}
	if u.CanarySoak != nil && u.CanarySoak.Valid() && u.CanarySoak.Duration >= 0 {
		soak = u.CanarySoak.Duration
	}
	if u.MaxConcurrent > 0 {
		maxConcurrent = int(u.MaxConcurrent)
	}
	return timeout, soak, maxConcurrent
}

// volumes reads the workspace's data volumes, sorted (a step is backed up as a whole, so that
// database and files can be restored to the same moment), and when there are any, whether
// pre-upgrade snapshots can be taken.
func (r *WorkspaceReconciler) volumes(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) (*upgrade.Volumes, error) {
	var claims corev1.PersistentVolumeClaimList
	if err := r.Client.List(ctx, &claims, client.InNamespace(ws.Namespace),
		client.MatchingLabels{ownership.WorkspaceLabel: ws.Name, ownership.DataLabel: "true"}); err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	v := &upgrade.Volumes{}
	for _, c := range claims.Items {
		if c.DeletionTimestamp.IsZero() {
			v.Claims = append(v.Claims, c.Name)
		}
	}
	slices.Sort(v.Claims)
	if len(v.Claims) == 0 {
		return v, nil
	}
	installed, err := r.capabilities.installed(volumeSnapshotKind)
	switch {
	case err != nil:
		return nil, fmt.Errorf("looking up VolumeSnapshot: %w", err)
	case !installed:
		v.WhyNot = "the cluster has no VolumeSnapshot API (snapshot.storage.k8s.io/v1)"
	case p.Spec.Storage.VolumeSnapshotClass == "":
		v.WhyNot = fmt.Sprintf("WorkspacePlatform %s names no storage.volumeSnapshotClass", p.Name)
	default:
		v.CanSnapshot = true
	}
	return v, nil
}

// takeSnapshots creates the snapshots of a step that starts; existing ones are kept as they
// are. They carry no owner reference: a backup outlives the workspace unless someone deletes
// it.
func (r *WorkspaceReconciler) takeSnapshots(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform, start *upgrade.Start) error {
	for _, snap := range start.Snapshots {
		s := &unstructured.Unstructured{}
		s.SetGroupVersionKind(volumeSnapshotKind)
		s.SetNamespace(ws.Namespace)
		s.SetName(snap.Name)
		labels := ownership.Labels(ws.Name, "upgrade")
		labels[ownership.DataLabel] = "true"
		s.SetLabels(labels)
		s.SetAnnotations(map[string]string{"rathaus.io/upgrade-to": start.To})
		_ = unstructured.SetNestedField(s.Object, p.Spec.Storage.VolumeSnapshotClass, "spec", "volumeSnapshotClassName")
		_ = unstructured.SetNestedField(s.Object, snap.Claim, "spec", "source", "persistentVolumeClaimName")
		if err := r.Client.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating VolumeSnapshot %s: %w", snap.Name, err)
		}
	}
	return nil
}

// snapshotsReady reads whether every snapshot is ready to use, and if not, the first that is
// not and why.
func (r *WorkspaceReconciler) snapshotsReady(ctx context.Context, namespace string, names []string) (*upgrade.Backup, error) {
	for _, name := range names {
		s := &unstructured.Unstructured{}
		s.SetGroupVersionKind(volumeSnapshotKind)
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				return &upgrade.Backup{Cause: "VolumeSnapshot " + name + " is missing"}, nil
			}
			return nil, fmt.Errorf("reading VolumeSnapshot %s: %w", name, err)
		}
		if ready, _, _ := unstructured.NestedBool(s.Object, "status", "readyToUse"); !ready {
			if msg, _, _ := unstructured.NestedString(s.Object, "status", "error", "message"); msg != "" {
				return &upgrade.Backup{Cause: "VolumeSnapshot " + name + " failed: " + msg}, nil
			}
			return &upgrade.Backup{Cause: "VolumeSnapshot " + name + " to be ready to use"}, nil
		}
	}
	return &upgrade.Backup{Ready: true}, nil
}
