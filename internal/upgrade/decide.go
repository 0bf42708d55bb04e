package upgrade

import (
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
)

const (
	// backupPoll is how often snapshots are looked at while they are taken; they are not
	// watched (their CRD may be missing).
	backupPoll = 5 * time.Second
	// gateRetry is when a step the fleet holds back is looked at again, unless the gate says
	// when (a canary's soak ends); a step that ends elsewhere in the fleet brings it back sooner.
	gateRetry = 30 * time.Second
)

// Decision is where a workspace stands between releases, decided up front and read by the
// rest of the reconcile: which release to render, the effects to run, and, once Finish has
// seen the stack's health, the status to write.
type Decision struct {
	// Missing names a fact Decide needs and Facts lacks; nothing else is decided. The
	// reconciler gathers it and decides again.
	Missing Fact
	// Err is a failure that retrying may fix; nothing else is decided.
	Err error

	// Render is the release whose objects to apply.
	Render *rathausv1alpha1.StackRelease
	// Status is the new status.upgrade.
	Status *rathausv1alpha1.UpgradeStatus
	// Reason and Message are the UpToDate condition's; it is True when Reason is
	// ReasonUpToDate.
	Reason, Message string
	// Blocked stalls the workspace before anything is rendered: the catalog lacks a release
	// the workspace runs or moves to, or its window cannot be read.
	Blocked *Problem
	// Refused stalls the workspace once its stack is applied at Render, the release it keeps
	// running: the plan is refused, or the step halted.
	Refused *Problem
	// Start is the step that starts now: it takes one of the platform's slots, and its
	// snapshots are created before anything is applied.
	Start *Start
	// Events and Counts are announced once the status recording them is written: a reconcile
	// whose status patch fails decides the same step again and must not announce it twice.
	Events []Event
	Counts []StepResult
	// RequeueAfter asks to look again, e.g. when the window opens; zero: no need to.
	RequeueAfter time.Duration

	// now and timeout are facts Finish needs as well.
	now     time.Time
	timeout time.Duration
}

// Start is a step that starts.
type Start struct {
	// To is the release the step moves to.
	To string
	// Snapshots are the VolumeSnapshots to take before the step, one per data volume.
	Snapshots []Snapshot
}

// Snapshot is a pre-upgrade VolumeSnapshot of a data volume.
type Snapshot struct {
	Name, Claim string
}

// Decide decides a workspace's upgrade from the facts: a new workspace installs its target; a
// step under way goes on (once its snapshots are ready); otherwise the plan's next step starts
// when the maintenance window is open, a backup can be taken (or may be skipped) and the
// fleet's wave lets it. Meanwhile the workspace keeps running its current release. Decide is
// pure; a fact it needs that Facts lacks is named in Missing.
func Decide(f Facts) Decision {
	u := f.Status.DeepCopy()
	if u == nil {
		u = &rathausv1alpha1.UpgradeStatus{}
	}
	u.Target = f.Target.Spec.Version
	d := Decision{Render: f.Target, Status: u, now: f.Now, timeout: f.StepTimeout}

	current, running := u.Current, versionsOf(u.Components)
	if current == "" && f.Applied != "" {
		// A workspace from before upgrades were tracked: it runs what it last applied.
		current = f.Applied
		if rel := find(f.Catalog, current); rel != nil {
			running = VersionsOf(rel)
		}
	}
	if current == "" {
		return d.say(rathausv1alpha1.ReasonInstalling, "installing release "+f.Target.Spec.Version)
	}
	currentRel := find(f.Catalog, current)
	if currentRel == nil {
		return d.block(rathausv1alpha1.ReasonUpgradeBlocked, fmt.Sprintf("release %s, which the workspace runs, is not in the release catalog; publish it again", current))
	}
	if len(running) == 0 {
		// Versions not recorded (or cleared after a restore): those of the current release.
		running = VersionsOf(currentRel)
	}
	d.Render = currentRel
	if u.Step != nil {
		return d.continueStep(f)
	}
	return d.plan(f, current, running)
}

// continueStep goes on with the step under way: a step backing up waits for its snapshots,
// and halts when they take longer than the step timeout; then the step's release is applied.
func (d Decision) continueStep(f Facts) Decision {
	step := d.Status.Step
	to := find(f.Catalog, step.To)
	if to == nil {
		return d.block(rathausv1alpha1.ReasonUpgradeBlocked, fmt.Sprintf("release %s, which the step under way moves to, is not in the release catalog; publish it again", step.To))
	}
	if step.Phase == rathausv1alpha1.UpgradeBackingUp {
		if f.Backup == nil {
			return Decision{Missing: FactBackup}
		}
		if !f.Backup.Ready {
			d = d.say(rathausv1alpha1.ReasonBackingUp, fmt.Sprintf("taking snapshots before the step to %s: %s", step.To, f.Backup.Cause))
			d.RequeueAfter = backupPoll
			if f.Now.Sub(step.StartedAt.Time) > f.StepTimeout {
				d = d.halt("no backup", f.Backup.Cause)
			}
			return d
		}
		step.Phase, step.StartedAt, step.Halted = rathausv1alpha1.UpgradeUpgrading, metav1.NewTime(f.Now), false
	}
	d.Render = to
	return d.say(rathausv1alpha1.ReasonUpgradeInProgress, fmt.Sprintf("upgrading from %s to %s", step.From, step.To))
}

// plan finds the next step when none is under way, and starts it when the maintenance
// window, the backup and the fleet's wave allow.
func (d Decision) plan(f Facts, current string, running Versions) Decision {
	steps, err := Plan(Request{Running: running, Current: current, Target: f.Target, Catalog: f.Catalog, Channel: channelOf(f.Selector), Rules: f.Rules})
	if err != nil {
		var refused *RefusedError
		if !errors.As(err, &refused) {
			return Decision{Err: err}
		}
		d.Refused = &Problem{Reason: refused.Reason, Message: refused.Message}
		return d.say(refused.Reason, refused.Message)
	}
	if len(steps) == 0 {
		if d.Status.Current == "" {
			return d.say(rathausv1alpha1.ReasonInstalling, "installing release "+current)
		}
		return d.say(rathausv1alpha1.ReasonUpToDate, "the workspace runs release "+current)
	}
	next := steps[0]
	to := next.Release.Spec.Version

	if !f.Upgrades.Immediate {
		w, err := WindowOf(f.Window)
		if err != nil {
			return d.block(rathausv1alpha1.ReasonInvalidSpec, err.Error())
		}
		if !w.Open(f.Now) {
			opens := w.Next(f.Now)
			d.RequeueAfter = opens.Sub(f.Now)
			return d.say(rathausv1alpha1.ReasonWaitingForWindow, fmt.Sprintf("release %s is due; the maintenance window opens at %s", f.Target.Spec.Version, opens.UTC().Format(time.RFC3339)))
		}
	}

	var snapshots []Snapshot
	if next.Stateful() {
		v := f.Volumes
		if v == nil {
			return Decision{Missing: FactVolumes}
		}
		switch {
		case len(v.Claims) == 0:
		case v.CanSnapshot:
			for _, c := range v.Claims {
				snapshots = append(snapshots, Snapshot{Name: SnapshotName(c, to), Claim: c})
			}
		case !f.Upgrades.AllowWithoutBackup:
			return d.say(rathausv1alpha1.ReasonWaitingForBackup, fmt.Sprintf("the step to %s migrates data and no pre-upgrade snapshot can be taken: %s; set spec.upgrades.allowWithoutBackup to upgrade without one", to, v.WhyNot))
		}
	}

	if f.Fleet == nil {
		return Decision{Missing: FactFleet}
	}
	if gate := MayStart(f.Fleet.Self, to, f.Fleet.Members, f.Policy, f.Now); !gate.Allowed {
		d.RequeueAfter = gateRetry
		if !gate.RetryAt.IsZero() {
			d.RequeueAfter = gate.RetryAt.Sub(f.Now)
		}
		return d.say(gate.Reason, gate.Message)
	}
	return d.start(current, next, snapshots)
}

// start starts the step to next: backing up first when there are snapshots to take.
func (d Decision) start(from string, next Step, snapshots []Snapshot) Decision {
	step := &rathausv1alpha1.UpgradeStep{From: from, To: next.Release.Spec.Version, Phase: rathausv1alpha1.UpgradeUpgrading, StartedAt: metav1.NewTime(d.now)}
	for _, c := range next.Changes {
		step.Components = append(step.Components, c.Component)
	}
	d.Status.Step = step
	d.Start = &Start{To: step.To, Snapshots: snapshots}
	d.Events = append(d.Events, Event{Type: corev1.EventTypeNormal, Reason: rathausv1alpha1.ReasonUpgradeStarted, Message: "Upgrade step " + next.String() + " started"})
	d.Counts = append(d.Counts, StepStarted)
	if len(snapshots) > 0 {
		step.Phase = rathausv1alpha1.UpgradeBackingUp
		for _, s := range snapshots {
			step.Snapshots = append(step.Snapshots, s.Name)
		}
		d.RequeueAfter = backupPoll
		return d.say(rathausv1alpha1.ReasonBackingUp, "taking snapshots before the step to "+step.To)
	}
	d.Render = next.Release
	return d.say(rathausv1alpha1.ReasonUpgradeInProgress, fmt.Sprintf("upgrading from %s to %s", step.From, step.To))
}

// halt marks the step under way halted, recording it once (a Failed record, a counted
// failure); the workspace stalls with UpgradeHalted, naming the components, the step and the
// cause.
func (d Decision) halt(what, cause string) Decision {
	step := d.Status.Step
	msg := fmt.Sprintf("upgrade step from %s to %s (%s) halted: %s within %s: %s; the step resumes by itself once the stack is healthy, see docs/upgrades.md to restore from the pre-upgrade snapshots",
		step.From, step.To, strings.Join(step.Components, ", "), what, d.timeout, cause)
	if !step.Halted {
		step.Halted = true
		d.Status.History = record(d.Status.History, rathausv1alpha1.UpgradeRecord{
			From: step.From, To: step.To, Result: rathausv1alpha1.UpgradeFailed, Message: msg, FinishedAt: metav1.NewTime(d.now),
		})
		d.Counts = append(d.Counts, StepFailed)
	}
	d.Refused = &Problem{Reason: rathausv1alpha1.ReasonUpgradeHalted, Message: msg}
	return d.say(rathausv1alpha1.ReasonUpgradeHalted, msg)
}

// say sets the UpToDate condition's reason and message.
func (d Decision) say(reason, message string) Decision {
	d.Reason, d.Message = reason, message
	return d
}

// block stalls the workspace before anything is rendered.
func (d Decision) block(reason, message string) Decision {
	d.Blocked = &Problem{Reason: reason, Message: message}
	return d.say(reason, message)
}

// channelOf is the channel a workspace follows; empty for a pinned one.
func channelOf(sel *rathausv1alpha1.ReleaseSelector) string {
	if sel != nil && sel.Version != "" {
		return ""
	}
	if sel != nil && sel.Channel != "" {
		return sel.Channel
	}
	return release.DefaultChannel
}

func find(catalog []rathausv1alpha1.StackRelease, version string) *rathausv1alpha1.StackRelease {
	for i := range catalog {
		if catalog[i].Spec.Version == version {
			return &catalog[i]
		}
	}
	return nil
}
