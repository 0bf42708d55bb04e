package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshots,verbs=get;list;watch;create

// Defaults of the platform's upgrade settings, as in the CRD.
const (
	defaultMaxConcurrent = 10
	defaultCanarySoak    = 24 * time.Hour
	defaultStepTimeout   = 30 * time.Minute
	// historyLimit bounds status.upgrade.history.
	historyLimit = 10
	// backupPoll is how often snapshots are looked at while they are taken; they are not
	// watched (their CRD may be missing).
	backupPoll = 5 * time.Second
)

// volumeSnapshotKind is the CSI snapshot API (kubernetes-csi/external-snapshotter,
// client/apis/volumesnapshot/v1).
var volumeSnapshotKind = schema.GroupVersionKind{Group: "snapshot.storage.k8s.io", Version: "v1", Kind: "VolumeSnapshot"}

// upgradeState is what the upgrade part of a reconcile decided, carried to the status.
type upgradeState struct {
	// status is the new status.upgrade.
	status *rathausv1alpha1.UpgradeStatus
	// condition is the new UpToDate condition (reason and message; status from reason).
	reason, message string
	// refused stalls the workspace once its stack is applied (the stack stays where it is).
	refused *status.Problem
	// requeueAfter asks to look again, e.g. when the window opens.
	requeueAfter time.Duration
	// events and counts (rathaus_upgrade_steps_total) are announced once the status that
	// records them is written (announceUpgrade): a reconcile whose status patch fails, or an
	// operator killed before it, decides the same step again and must not announce it twice.
	events []upgradeEvent
	counts []metrics.StepResult
}

type upgradeEvent struct{ typ, reason, message string }

// upgradeLedger remembers the steps this process started that the cache may not show yet, so
// that two reconciles in parallel never exceed the platform's limit.
type upgradeLedger struct {
	mu sync.Mutex
	// started holds when this process started a step, by namespace/name.
	started map[string]time.Time
}

// ledgerGrace is how long a started step counts without the cache showing it.
const ledgerGrace = time.Minute

// selectRelease decides which release to apply: the release being upgraded to while a step
// is under way, the next step's release when one may start, otherwise the current one. It
// replaces in.Release (the target) accordingly.
func (r *WorkspaceReconciler) selectRelease(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, in *stack.Inputs) (*upgradeState, *status.Problem, error) {
	st, problem, err := r.decideRelease(ctx, ws, in)
	if st != nil && problem != nil {
		st.reason, st.message = problem.Reason, problem.Message
	}
	return st, problem, err
}

func (r *WorkspaceReconciler) decideRelease(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, in *stack.Inputs) (*upgradeState, *status.Problem, error) {
	now := r.Now()
	target := in.Release
	old := ws.Status.Upgrade.DeepCopy()
	if old == nil {
		old = &rathausv1alpha1.UpgradeStatus{}
	}
	st := &upgradeState{status: old}
	old.Target = target.Spec.Version

	var list rathausv1alpha1.StackReleaseList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil, nil, fmt.Errorf("listing releases: %w", err)
	}
	catalog := append(list.Items, *release.BuiltIn())
	find := func(version string) *rathausv1alpha1.StackRelease {
		for i := range catalog {
			if catalog[i].Spec.Version == version {
				return &catalog[i]
			}
		}
		return nil
	}

	current, running := old.Current, versionsOf(old.Components)
	if current == "" && ws.Status.Release != "" {
		// A workspace from before upgrades were tracked: it runs what it last applied.
		current = ws.Status.Release
		if rel := find(current); rel != nil {
			running = upgrade.VersionsOf(rel)
		}
	}
	if current == "" {
		st.reason, st.message = rathausv1alpha1.ReasonInstalling, "installing release "+target.Spec.Version
		return st, nil, nil
	}
	currentRel := find(current)
	if currentRel == nil {
		return st, &status.Problem{Reason: rathausv1alpha1.ReasonUpgradeBlocked, Message: fmt.Sprintf("release %s, which the workspace runs, is not in the release catalog; publish it again", current)}, nil
	}
	if len(running) == 0 {
		// Versions not recorded (or cleared after a restore): those of the current release.
		running = upgrade.VersionsOf(currentRel)
	}
	timeout, soak, maxConcurrent := platformUpgrades(in.Platform)

	if step := old.Step; step != nil {
		to := find(step.To)
		if to == nil {
			return st, &status.Problem{Reason: rathausv1alpha1.ReasonUpgradeBlocked, Message: fmt.Sprintf("release %s, which the step under way moves to, is not in the release catalog; publish it again", step.To)}, nil
		}
		if step.Phase == rathausv1alpha1.UpgradeBackingUp {
			in.Release = currentRel
			ready, cause, err := r.snapshotsReady(ctx, ws.Namespace, step.Snapshots)
			if err != nil {
				return nil, nil, err
			}
			if !ready {
				st.reason, st.message = rathausv1alpha1.ReasonBackingUp, fmt.Sprintf("taking snapshots before the step to %s: %s", step.To, cause)
				st.requeueAfter = backupPoll
				if now.Sub(step.StartedAt.Time) > timeout {
					st.halt(step, "no backup", cause, timeout, now)
				}
				return st, nil, nil
			}
			step.Phase, step.StartedAt, step.Halted = rathausv1alpha1.UpgradeUpgrading, metav1.NewTime(now), false
		}
		in.Release = to
		st.reason, st.message = rathausv1alpha1.ReasonUpgradeInProgress, fmt.Sprintf("upgrading from %s to %s", step.From, step.To)
		return st, nil, nil
	}

	in.Release = currentRel
	channel := ""
	if sel := ws.Spec.Release; sel == nil || sel.Version == "" {
		channel = release.DefaultChannel
		if sel != nil && sel.Channel != "" {
			channel = sel.Channel
		}
	}
	steps, err := upgrade.Plan(upgrade.Request{Running: running, Current: current, Target: target, Catalog: catalog, Channel: channel, Rules: r.rulebook})
	if err != nil {
		var refused *upgrade.RefusedError
		if !errors.As(err, &refused) {
			return nil, nil, err
		}
		st.reason, st.message = refused.Reason, refused.Message
		st.refused = &status.Problem{Reason: refused.Reason, Message: refused.Message}
		return st, nil, nil
	}
	if len(steps) == 0 {
		st.reason, st.message = rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+current
		if old.Current == "" {
			st.reason, st.message = rathausv1alpha1.ReasonInstalling, "installing release "+current
		}
		return st, nil, nil
	}
	next := steps[0]

	if !ws.Spec.Upgrades.Immediate {
		w, err := upgrade.WindowOf(ws.Spec.MaintenanceWindow)
		if err != nil {
			return st, &status.Problem{Reason: rathausv1alpha1.ReasonInvalidSpec, Message: err.Error()}, nil
		}
		if !w.Open(now) {
			opens := w.Next(now)
			st.reason = rathausv1alpha1.ReasonWaitingForWindow
			st.message = fmt.Sprintf("release %s is due; the maintenance window opens at %s", target.Spec.Version, opens.UTC().Format(time.RFC3339))
			st.requeueAfter = opens.Sub(now)
			return st, nil, nil
		}
	}

	var snapshots []string
	if next.Stateful() {
		claims, err := r.dataClaims(ctx, ws)
		if err != nil {
			return nil, nil, err
		}
		if len(claims) > 0 {
			can, why, err := r.canSnapshot(in.Platform)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case can:
				for _, c := range claims {
					snapshots = append(snapshots, snapshotName(c, next.Release.Spec.Version))
				}
			case !ws.Spec.Upgrades.AllowWithoutBackup:
				st.reason = rathausv1alpha1.ReasonWaitingForBackup
				st.message = fmt.Sprintf("the step to %s migrates data and no pre-upgrade snapshot can be taken: %s; set spec.upgrades.allowWithoutBackup to upgrade without one", next.Release.Spec.Version, why)
				return st, nil, nil
			}
		}
	}

	gate, err := r.takeSlot(ctx, ws, next.Release.Spec.Version, list.Items, upgrade.Policy{MaxConcurrent: maxConcurrent, Soak: soak}, now)
	if err != nil {
		return nil, nil, err
	}
	if !gate.Allowed {
		st.reason, st.message = gate.Reason, gate.Message
		st.requeueAfter = 30 * time.Second
		if !gate.RetryAt.IsZero() {
			st.requeueAfter = gate.RetryAt.Sub(now)
		}
		return st, nil, nil
	}

	step := &rathausv1alpha1.UpgradeStep{From: current, To: next.Release.Spec.Version, Phase: rathausv1alpha1.UpgradeUpgrading, StartedAt: metav1.NewTime(now)}
	for _, c := range next.Changes {
		step.Components = append(step.Components, c.Component)
	}
	old.Step = step
	st.events = append(st.events, upgradeEvent{corev1.EventTypeNormal, rathausv1alpha1.ReasonUpgradeStarted, "Upgrade step " + next.String() + " started"})
	st.counts = append(st.counts, metrics.StepStarted)
	if len(snapshots) > 0 {
		if err := r.takeSnapshots(ctx, ws, in.Platform, next.Release.Spec.Version, snapshots); err != nil {
			return nil, nil, err
		}
		step.Phase, step.Snapshots = rathausv1alpha1.UpgradeBackingUp, snapshots
		st.reason, st.message = rathausv1alpha1.ReasonBackingUp, "taking snapshots before the step to "+step.To
		st.requeueAfter = backupPoll
		return st, nil, nil
	}
	in.Release = next.Release
	st.reason, st.message = rathausv1alpha1.ReasonUpgradeInProgress, fmt.Sprintf("upgrading from %s to %s", step.From, step.To)
	return st, nil, nil
}

// finishUpgrade looks at the health of the applied stack: a step whose stack is healthy on
// its release is recorded and the next one may follow; a step that stays unhealthy past the
// timeout halts. A refused plan stalls the workspace, which keeps running its release.
func (r *WorkspaceReconciler) finishUpgrade(res *stackResult) {
	st := res.upgrade
	// Health is known only when the stack was applied and judged (reports are nil for a
	// workspace without services).
	if st == nil || res.release == "" || res.outcome.Err != nil {
		return
	}
	now := r.Now()
	healthy := res.outcome.Stalled == nil && len(res.outcome.Waiting) == 0
	u := st.status
	switch {
	case u.Current == "":
		if healthy {
			u.Current = res.release
			u.Components = componentsOf(res.in.Release)
			st.reason, st.message = rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+u.Current
		}
	case u.Step != nil && u.Step.Phase == rathausv1alpha1.UpgradeUpgrading && u.Step.To == res.release:
		step := u.Step
		if healthy {
			u.History = record(u.History, rathausv1alpha1.UpgradeRecord{
				From: step.From, To: step.To, Result: rathausv1alpha1.UpgradeSucceeded,
				Message: "changed " + strings.Join(step.Components, ", "), FinishedAt: metav1.NewTime(now),
			})
			u.Current, u.Components, u.Step = step.To, componentsOf(res.in.Release), nil
			r.forget(res.in.Workspace)
			st.events = append(st.events, upgradeEvent{corev1.EventTypeNormal, rathausv1alpha1.ReasonUpgradeStepSucceeded, fmt.Sprintf("Upgrade step from %s to %s succeeded", step.From, step.To)})
			st.counts = append(st.counts, metrics.StepSucceeded)
			st.reason, st.message = rathausv1alpha1.ReasonUpgradeInProgress, "release "+step.To+" is healthy"
			if u.Current == u.Target {
				st.reason, st.message = rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+u.Current
			}
			st.requeueAfter = time.Second // the next step, if any
			return
		}
		timeout, _, _ := platformUpgrades(res.in.Platform)
		deadline := step.StartedAt.Add(timeout)
		if now.Before(deadline) {
			if st.requeueAfter == 0 || deadline.Sub(now) < st.requeueAfter {
				st.requeueAfter = deadline.Sub(now) + time.Second
			}
			return
		}
		cause := strings.Join(res.outcome.Waiting, "; ")
		if res.outcome.Stalled != nil {
			cause = res.outcome.Stalled.Message
		}
		st.halt(step, "not healthy on the new release", cause, timeout, now)
		res.outcome.Stalled = st.refused
		st.refused = nil
	}
	if st.refused != nil && res.outcome.Stalled == nil {
		res.outcome.Stalled = st.refused
	}
}

// halt marks the step halted once: a Failed record, a counted failure and the Stalled problem
// UpgradeHalted that names the components, the step and the cause.
func (st *upgradeState) halt(step *rathausv1alpha1.UpgradeStep, what, cause string, timeout time.Duration, now time.Time) {
	msg := fmt.Sprintf("upgrade step from %s to %s (%s) halted: %s within %s: %s; the step resumes by itself once the stack is healthy, see docs/upgrades.md to restore from the pre-upgrade snapshots",
		step.From, step.To, strings.Join(step.Components, ", "), what, timeout, cause)
	if !step.Halted {
		step.Halted = true
		st.status.History = record(st.status.History, rathausv1alpha1.UpgradeRecord{
			From: step.From, To: step.To, Result: rathausv1alpha1.UpgradeFailed, Message: msg, FinishedAt: metav1.NewTime(now),
		})
		st.counts = append(st.counts, metrics.StepFailed)
	}
	st.reason, st.message = rathausv1alpha1.ReasonUpgradeHalted, msg
	st.refused = &status.Problem{Reason: rathausv1alpha1.ReasonUpgradeHalted, Message: msg}
}

// applyUpgradeStatus writes the upgrade's status and UpToDate condition.
func (r *WorkspaceReconciler) applyUpgradeStatus(ws *rathausv1alpha1.MunicipalityWorkspace, st *rathausv1alpha1.MunicipalityWorkspaceStatus, up *upgradeState) {
	if up == nil {
		return
	}
	st.Upgrade = up.status
	cond := metav1.Condition{Type: rathausv1alpha1.ConditionUpToDate, Status: metav1.ConditionFalse, Reason: up.reason, Message: up.message, ObservedGeneration: ws.Generation}
	if up.reason == rathausv1alpha1.ReasonUpToDate {
		cond.Status = metav1.ConditionTrue
	}
	if existing := meta.FindStatusCondition(st.Conditions, rathausv1alpha1.ConditionUpToDate); existing == nil || existing.Status != cond.Status {
		cond.LastTransitionTime = metav1.NewTime(r.Now())
	} else {
		cond.LastTransitionTime = existing.LastTransitionTime
	}
	meta.SetStatusCondition(&st.Conditions, cond)
}

// announceUpgrade logs and emits the upgrade's Events and counts its steps; called once the
// status recording them is written.
func (r *WorkspaceReconciler) announceUpgrade(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, up *upgradeState) {
	if up == nil {
		return
	}
	for _, e := range up.events {
		log.FromContext(ctx).Info(e.message, "event", e.reason)
		r.Recorder.Eventf(ws, nil, e.typ, e.reason, "Upgrade", "%s", e.message)
	}
	for _, c := range up.counts {
		metrics.CountUpgradeStep(c)
	}
}

// requeue shortens the result's requeue to what the upgrade waits for.
func (st *upgradeState) requeue(res ctrl.Result) ctrl.Result {
	if st == nil || st.requeueAfter <= 0 {
		return res
	}
	if res.RequeueAfter == 0 || st.requeueAfter < res.RequeueAfter {
		res.RequeueAfter = st.requeueAfter
	}
	return res
}

// takeSlot decides under the ledger's lock whether the workspace may start a step now, and
// when it may, counts it as started.
func (r *WorkspaceReconciler) takeSlot(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, to string, catalog []rathausv1alpha1.StackRelease, p upgrade.Policy, now time.Time) (upgrade.Gate, error) {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{platformIndex: ws.PlatformName()}, client.UnsafeDisableDeepCopy); err != nil {
		return upgrade.Gate{}, fmt.Errorf("listing the platform's workspaces: %w", err)
	}
	l := r.ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	self := client.ObjectKeyFromObject(ws).String()
	fleet := make([]upgrade.Member, 0, len(list.Items))
	var me upgrade.Member
	for i := range list.Items {
		m := memberOf(&list.Items[i], catalog)
		if at, ok := l.started[m.Name]; ok {
			if m.Upgrading || now.Sub(at) > ledgerGrace {
				delete(l.started, m.Name)
			} else {
				m.Upgrading = true
			}
		}
		if m.Name == self {
			// This reconcile knows better than the cache that no step of it is under way.
			m.Upgrading = false
			me = m
		}
		fleet = append(fleet, m)
	}
	me.Name = self
	gate := upgrade.MayStart(me, to, fleet, p, now)
	if gate.Allowed {
		l.started[self] = now
	}
	return gate, nil
}

func (r *WorkspaceReconciler) forget(ws *rathausv1alpha1.MunicipalityWorkspace) {
	l := r.ledger()
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.started, client.ObjectKeyFromObject(ws).String())
}

// ledger returns the reconciler's ledger; callers hold its lock while using started.
func (r *WorkspaceReconciler) ledger() *upgradeLedger {
	l := &r.upgrades
	l.mu.Lock()
	if l.started == nil {
		l.started = map[string]time.Time{}
	}
	l.mu.Unlock()
	return l
}

// memberOf is a workspace as fleet waves see it. Its target is resolved from its spec and the
// catalog, not read from its status, which lags behind a new release.
func memberOf(ws *rathausv1alpha1.MunicipalityWorkspace, catalog []rathausv1alpha1.StackRelease) upgrade.Member {
	m := upgrade.Member{Name: client.ObjectKeyFromObject(ws).String(), Canary: ws.Labels[rathausv1alpha1.CanaryLabel] == "true"}
	if target, err := release.Resolve(ws.Spec.Release, catalog); err == nil {
		m.Target = target.Spec.Version
	}
	if u := ws.Status.Upgrade; u != nil {
		m.Upgrading, m.Current = u.Step != nil, u.Current
		for _, h := range u.History {
			if h.To == u.Current && h.Result == rathausv1alpha1.UpgradeSucceeded {
				m.Since = h.FinishedAt.Time
				break
			}
		}
	}
	if ready := meta.FindStatusCondition(ws.Status.Conditions, rathausv1alpha1.ConditionReady); ready != nil && ready.Status == metav1.ConditionTrue {
		m.Ready = true
		if ready.LastTransitionTime.After(m.Since) {
			m.Since = ready.LastTransitionTime.Time
		}
	}
	return m
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

// dataClaims lists the workspace's data volumes, sorted: a step is backed up as a whole, so
// that database and files can be restored to the same moment.
func (r *WorkspaceReconciler) dataClaims(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) ([]string, error) {
	var claims corev1.PersistentVolumeClaimList
	if err := r.Client.List(ctx, &claims, client.InNamespace(ws.Namespace),
		client.MatchingLabels{ownership.WorkspaceLabel: ws.Name, ownership.DataLabel: "true"}); err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	var out []string
	for _, c := range claims.Items {
		if c.DeletionTimestamp.IsZero() {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// canSnapshot reports whether pre-upgrade snapshots can be taken, and if not, why.
func (r *WorkspaceReconciler) canSnapshot(p *rathausv1alpha1.WorkspacePlatform) (bool, string, error) {
	installed, err := r.capabilities.installed(volumeSnapshotKind)
	if err != nil {
		return false, "", fmt.Errorf("looking up VolumeSnapshot: %w", err)
	}
	switch {
	case !installed:
		return false, "the cluster has no VolumeSnapshot API (snapshot.storage.k8s.io/v1)", nil
	case p.Spec.Storage.VolumeSnapshotClass == "":
		return false, fmt.Sprintf("WorkspacePlatform %s names no storage.volumeSnapshotClass", p.Name), nil
	}
	return true, "", nil
}

// snapshotName is the deterministic name of a volume's snapshot before the step to a release.
func snapshotName(claim, release string) string {
	return claim + "-pre-" + strings.ReplaceAll(release, ".", "-")
}

// takeSnapshots creates the snapshots of the step; existing ones are kept as they are. They
// carry no owner reference: a backup outlives the workspace unless someone deletes it.
func (r *WorkspaceReconciler) takeSnapshots(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform, to string, names []string) error {
	for _, name := range names {
		claim := strings.TrimSuffix(name, "-pre-"+strings.ReplaceAll(to, ".", "-"))
		s := &unstructured.Unstructured{}
		s.SetGroupVersionKind(volumeSnapshotKind)
		s.SetNamespace(ws.Namespace)
		s.SetName(name)
		labels := ownership.Labels(ws.Name, "upgrade")
		labels[ownership.DataLabel] = "true"
		s.SetLabels(labels)
		s.SetAnnotations(map[string]string{"rathaus.io/upgrade-to": to})
		_ = unstructured.SetNestedField(s.Object, p.Spec.Storage.VolumeSnapshotClass, "spec", "volumeSnapshotClassName")
		_ = unstructured.SetNestedField(s.Object, claim, "spec", "source", "persistentVolumeClaimName")
		if err := r.Client.Create(ctx, s); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating VolumeSnapshot %s: %w", name, err)
		}
	}
	return nil
}

// snapshotsReady reports whether every snapshot is ready to use, and if not, the first that
// is not and why.
func (r *WorkspaceReconciler) snapshotsReady(ctx context.Context, namespace string, names []string) (bool, string, error) {
	for _, name := range names {
		s := &unstructured.Unstructured{}
		s.SetGroupVersionKind(volumeSnapshotKind)
		if err := r.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				return false, "VolumeSnapshot " + name + " is missing", nil
			}
			return false, "", fmt.Errorf("reading VolumeSnapshot %s: %w", name, err)
		}
		if ready, _, _ := unstructured.NestedBool(s.Object, "status", "readyToUse"); !ready {
			if msg, _, _ := unstructured.NestedString(s.Object, "status", "error", "message"); msg != "" {
				return false, "VolumeSnapshot " + name + " failed: " + msg, nil
			}
			return false, "VolumeSnapshot " + name + " to be ready to use", nil
		}
	}
	return true, "", nil
}

func versionsOf(components []rathausv1alpha1.ComponentVersion) upgrade.Versions {
	out := upgrade.Versions{}
	for _, c := range components {
		out[c.Name] = c.Version
	}
	return out
}

func componentsOf(r *rathausv1alpha1.StackRelease) []rathausv1alpha1.ComponentVersion {
	out := make([]rathausv1alpha1.ComponentVersion, 0, len(r.Spec.Components))
	for _, c := range r.Spec.Components {
		out = append(out, rathausv1alpha1.ComponentVersion{Name: c.Name, Version: c.Version})
	}
	slices.SortFunc(out, func(a, b rathausv1alpha1.ComponentVersion) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// record puts a finished step first in the history and keeps the newest historyLimit.
func record(history []rathausv1alpha1.UpgradeRecord, rec rathausv1alpha1.UpgradeRecord) []rathausv1alpha1.UpgradeRecord {
	out := append([]rathausv1alpha1.UpgradeRecord{rec}, history...)
	if len(out) > historyLimit {
		out = out[:historyLimit]
	}
	return out
}

// stepFinished passes workspace updates in which a step ended (succeeded, or the workspace
// went on to its next step) or that moved the current release: a slot may be free, or a
// canary may now vouch for a release.
func stepFinished() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			before := e.ObjectOld.(*rathausv1alpha1.MunicipalityWorkspace).Status.Upgrade
			after := e.ObjectNew.(*rathausv1alpha1.MunicipalityWorkspace).Status.Upgrade
			if before == nil || after == nil {
				return false
			}
			return before.Step != nil && (after.Step == nil || after.Step.To != before.Step.To || after.Step.Halted != before.Step.Halted) ||
				before.Current != after.Current
		},
	}
}

// waitingWorkspaces maps a workspace to the other workspaces of its platform whose upgrade
// has not reached its target, which may wait for the slot or the canary it just freed.
func (r *WorkspaceReconciler) waitingWorkspaces(ctx context.Context, obj client.Object) []reconcile.Request {
	ws := obj.(*rathausv1alpha1.MunicipalityWorkspace)
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := r.Client.List(ctx, &list, client.MatchingFields{platformIndex: ws.PlatformName()}, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "Listing the workspaces of a platform")
		return nil
	}
	var out []reconcile.Request
	for _, other := range list.Items {
		u := other.Status.Upgrade
		if other.Namespace == ws.Namespace && other.Name == ws.Name || u == nil || u.Step != nil || u.Current == u.Target {
			continue
		}
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&other)})
	}
	return out
}
