package upgrade

import (
	"slices"
	"strings"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// historyLimit bounds status.upgrade.history.
const historyLimit = 10

// Facts are what a decision about a workspace's upgrade reads from the cluster, gathered by
// the reconciler once per reconcile. The last three are read only when Decide asks for them
// (Decision.Missing), since only some paths need them: snapshots are read from the API
// server, the fleet is a list of all the platform's workspaces.
type Facts struct {
	// Now is the reconcile's clock.
	Now time.Time
	// Status is the workspace's status.upgrade; nil before it recorded one.
	Status *rathausv1alpha1.UpgradeStatus
	// Applied is the workspace's status.release, the release it last applied; a workspace
	// from before upgrades were tracked runs it.
	Applied string
	// Target is the release the workspace's spec.release selects.
	Target *rathausv1alpha1.StackRelease
	// Selector is spec.release: a workspace that follows a channel passes through its
	// releases only.
	Selector *rathausv1alpha1.ReleaseSelector
	// Catalog is the release catalog: the cluster's releases and the built-in one.
	Catalog []rathausv1alpha1.StackRelease
	// Rules are what each component's upstream allows and which components keep data
	// (desired.ReleaseComponents of the registry).
	Rules Rulebook
	// StepTimeout and Policy are the platform's upgrade settings, defaults applied.
	StepTimeout time.Duration
	Policy      Policy
	// Window is spec.maintenanceWindow (nil: DefaultWindow); Upgrades is spec.upgrades.
	Window   *rathausv1alpha1.MaintenanceWindow
	Upgrades rathausv1alpha1.UpgradePolicy

	// Backup is the readiness of the snapshots of the step that is backing up (FactBackup).
	Backup *Backup
	// Volumes are the workspace's data volumes and whether they can be snapshotted, for a
	// step that migrates data (FactVolumes).
	Volumes *Volumes
	// Fleet is the platform's workspaces, for the wave gate (FactFleet).
	Fleet *Fleet
}

// Fact names a fact that Decide reads only on some paths.
type Fact int

// The facts Decide may ask for; FactNone: it asks for nothing, the decision is made.
const (
	FactNone Fact = iota
	FactBackup
	FactVolumes
	FactFleet
)

// Backup says whether every snapshot of a step is ready to use, and if not, what it waits
// for (e.g. "VolumeSnapshot x to be ready to use").
type Backup struct {
	Ready bool
	Cause string
}

// Volumes are a workspace's data volumes.
type Volumes struct {
	// Claims are the names of its data PersistentVolumeClaims, sorted: a step is backed up as
	// a whole, so that database and files can be restored to the same moment.
	Claims []string
	// CanSnapshot says whether pre-upgrade snapshots can be taken; WhyNot says why not.
	CanSnapshot bool
	WhyNot      string
}

// Fleet is the platform's workspaces as the wave gate sees them (MayStart).
type Fleet struct {
	// Self is the workspace deciding; Members are all of the platform's, itself included.
	Self    Member
	Members []Member
}

// Problem is a reason (CamelCase) and a message for humans: why the workspace is stalled.
type Problem struct {
	Reason  string
	Message string
}

// Event is an Event to emit about the workspace once the status recording it is written.
type Event struct {
	Type, Reason, Message string
}

// StepResult is what happened to a step, counted in rathaus_upgrade_steps_total.
type StepResult string

// Results of steps.
const (
	StepStarted   StepResult = "started"
	StepSucceeded StepResult = "succeeded"
	StepFailed    StepResult = "failed"
)

// SnapshotName is the deterministic name of a volume's snapshot before the step to a release.
func SnapshotName(claim, release string) string {
	return claim + "-pre-" + strings.ReplaceAll(release, ".", "-")
}

func versionsOf(components []rathausv1alpha1.ComponentVersion) Versions {
	out := Versions{}
	for _, c := range components {
		out[c.Name] = c.Version
	}
	return out
}

// componentsOf lists a release's component versions, sorted by name, for status.upgrade.
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
