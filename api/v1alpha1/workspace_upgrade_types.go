package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CanaryLabel marks a workspace as a canary: it upgrades first, and the platform's other
// workspaces follow once it has run the new release healthily for the platform's soak time.
const CanaryLabel = "rathaus.io/canary"

// UpgradePolicy is how a workspace takes new releases.
type UpgradePolicy struct {
	// Immediate starts upgrades as soon as a new release is selected instead of waiting for the
	// maintenance window. The platform's concurrency limit and canaries still apply.
	// +optional
	Immediate bool `json:"immediate,omitempty"`

	// AllowWithoutBackup lets a step that migrates data (Nextcloud, Keycloak, PostgreSQL, ...)
	// start when no pre-upgrade snapshot can be taken, because the cluster has no VolumeSnapshot
	// API or the platform names no volumeSnapshotClass. Without it such a step waits.
	// +optional
	AllowWithoutBackup bool `json:"allowWithoutBackup,omitempty"`
}

// PlatformUpgrades limits how the platform's workspaces upgrade.
type PlatformUpgrades struct {
	// WindowLimits bound the maintenance windows municipalities choose for themselves; a
	// workspace whose window lies outside them stalls with MaintenanceWindowNotAllowed.
	// +optional
	WindowLimits *MaintenanceWindowLimits `json:"windowLimits,omitempty"`

	// MaxConcurrent is how many of the platform's workspaces may be in an upgrade step at once.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MaxConcurrent int32 `json:"maxConcurrent,omitempty"`

	// CanarySoak is how long the canaries (workspaces labelled rathaus.io/canary: "true") must
	// have run a release healthily before the other workspaces start moving to it, e.g. 24h.
	// +kubebuilder:default="24h"
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(\\\\.[0-9]+)?(ns|us|ms|s|m|h))+$')",message="a duration such as 24h, 90m or 1h30m"
	CanarySoak *Duration `json:"canarySoak,omitempty"`

	// StepTimeout is how long a step may take to become healthy on the new release, backup
	// included, before the upgrade halts, e.g. 30m.
	// +kubebuilder:default="30m"
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(\\\\.[0-9]+)?(ns|us|ms|s|m|h))+$')",message="a duration such as 24h, 90m or 1h30m"
	StepTimeout *Duration `json:"stepTimeout,omitempty"`
}

// UpgradeStatus is where a workspace stands in moving between releases.
type UpgradeStatus struct {
	// Current is the release the workspace last ran healthily in full.
	// +optional
	Current string `json:"current,omitempty"`

	// Target is the release the workspace's selector picks.
	// +optional
	Target string `json:"target,omitempty"`

	// Components are the versions the workspace's components run, as of Current.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=64
	Components []ComponentVersion `json:"components,omitempty"`

	// Step is the step under way, if any.
	// +optional
	Step *UpgradeStep `json:"step,omitempty"`

	// History lists the last finished steps, newest first.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	History []UpgradeRecord `json:"history,omitempty"`
}

// ComponentVersion is the version one release component runs.
type ComponentVersion struct {
	// Name of the release component, e.g. nextcloud.
	Name string `json:"name"`
	// Version is the component's upstream version and image tag.
	Version string `json:"version"`
}

// UpgradePhase is what a step is doing.
// +kubebuilder:validation:Enum=BackingUp;Upgrading
type UpgradePhase string

const (
	// UpgradeBackingUp: the pre-upgrade snapshots are being taken; the old release still runs.
	UpgradeBackingUp UpgradePhase = "BackingUp"
	// UpgradeUpgrading: the step's release is applied; it waits for the stack to be healthy.
	UpgradeUpgrading UpgradePhase = "Upgrading"
)

// UpgradeStep is one step under way: from one release to the next.
type UpgradeStep struct {
	// From is the release the step starts from.
	// +optional
	From string `json:"from,omitempty"`
	// To is the release the step moves to.
	To string `json:"to"`
	// Phase is what the step is doing.
	Phase UpgradePhase `json:"phase"`
	// StartedAt is when the current phase began; the step timeout counts from it.
	StartedAt metav1.Time `json:"startedAt"`
	// Components are the components the step changes.
	// +optional
	// +listType=set
	Components []string `json:"components,omitempty"`
	// Snapshots are the VolumeSnapshots taken before the step, in the workspace's namespace.
	// +optional
	// +listType=set
	Snapshots []string `json:"snapshots,omitempty"`
	// Halted is set when the step timed out; it resumes by itself once the stack is healthy.
	// +optional
	Halted bool `json:"halted,omitempty"`
}

// UpgradeResult is how a step ended.
// +kubebuilder:validation:Enum=Succeeded;Failed
type UpgradeResult string

const (
	// UpgradeSucceeded: the stack was healthy on the step's release.
	UpgradeSucceeded UpgradeResult = "Succeeded"
	// UpgradeFailed: the step halted; see the message.
	UpgradeFailed UpgradeResult = "Failed"
)

// UpgradeRecord is a finished step.
type UpgradeRecord struct {
	// From is the release the step started from.
	// +optional
	From string `json:"from,omitempty"`
	// To is the release the step moved to.
	To string `json:"to"`
	// Result is Succeeded or Failed.
	Result UpgradeResult `json:"result"`
	// Message says what failed, or which components changed.
	// +optional
	Message string `json:"message,omitempty"`
	// FinishedAt is when the step succeeded or halted.
	FinishedAt metav1.Time `json:"finishedAt"`
}

// MaintenanceWindowLimits are the provider's bounds for the municipalities' maintenance windows.
type MaintenanceWindowLimits struct {
	// Days on which windows may open; any day when empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=7
	Days []DayOfWeek `json:"days,omitempty"`

	// EarliestStart is the earliest local time a window may open, as HH:MM.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([01][0-9]|2[0-3]):[0-5][0-9]$')",message="windowLimits.earliestStart must be a time such as 20:00"
	EarliestStart string `json:"earliestStart,omitempty"`

	// LatestStart is the latest local time a window may open, as HH:MM. With an EarliestStart
	// after it, the allowed starts run over midnight (e.g. 22:00 to 04:00).
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([01][0-9]|2[0-3]):[0-5][0-9]$')",message="windowLimits.latestStart must be a time such as 04:00"
	LatestStart string `json:"latestStart,omitempty"`

	// MaxDuration is the longest window, e.g. 6h.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+h)?([0-9]+m)?$') && self != '' && duration(self) >= duration('30m') && duration(self) <= duration('24h')",message="windowLimits.maxDuration must lie between 30m and 24h, written like 6h or 1h30m"
	MaxDuration string `json:"maxDuration,omitempty"`
}
