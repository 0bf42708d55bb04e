package upgrade

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// The releases of the decision tests: 2026.9.0 changes valkey only (no backup needed),
// 2026.10.0 then moves nextcloud a major (its data is migrated, so it is backed up first),
// 2026.11.0 would take nextcloud back.
var (
	relA    = rel("2026.8.0", false, both, "nextcloud=33.0.7-apache", "valkey=9.0.3")
	relB    = rel("2026.9.0", false, both, "nextcloud=33.0.7-apache", "valkey=9.0.4")
	relC    = rel("2026.10.0", false, both, "nextcloud=34.0.2-apache", "valkey=9.0.4")
	relDown = rel("2026.11.0", false, both, "nextcloud=32.0.13-apache", "valkey=9.0.4")
	// Wednesday 2026-12-02, 04:00 in Berlin: outside the default window (weekends from 02:00).
	decideNow = utc("2026-12-02T03:00:00Z")
)

// runs is the status of a workspace that runs r.
func runs(r rathausv1alpha1.StackRelease) *rathausv1alpha1.UpgradeStatus {
	return &rathausv1alpha1.UpgradeStatus{Current: r.Spec.Version, Target: r.Spec.Version, Components: componentsOf(&r)}
}

// stepTo is the status of a workspace on from in a step to to, started ago.
func stepTo(from, to rathausv1alpha1.StackRelease, phase rathausv1alpha1.UpgradePhase, ago time.Duration, snapshots ...string) *rathausv1alpha1.UpgradeStatus {
	u := runs(from)
	u.Target = to.Spec.Version
	u.Step = &rathausv1alpha1.UpgradeStep{From: from.Spec.Version, To: to.Spec.Version, Phase: phase, StartedAt: metav1.NewTime(decideNow.Add(-ago)), Components: []string{"nextcloud"}, Snapshots: snapshots}
	return u
}

// facts are those of workspace kiel/ws on relA with relB as its target, upgrading at once, alone
// on its platform, with one data volume that can be snapshotted.
func facts(mutate ...func(*Facts)) Facts {
	target := relB
	f := Facts{
		Now: decideNow, Status: runs(relA), Applied: relA.Spec.Version, Target: &target,
		Selector:    &rathausv1alpha1.ReleaseSelector{Channel: "stable"},
		Catalog:     []rathausv1alpha1.StackRelease{relA, relB, relC, relDown},
		Rules:       rules,
		StepTimeout: 30 * time.Minute, Policy: Policy{MaxConcurrent: 1, Soak: 24 * time.Hour},
		Upgrades: rathausv1alpha1.UpgradePolicy{Immediate: true},
		Volumes:  &Volumes{Claims: []string{"data"}, CanSnapshot: true},
	}
	self := Member{Name: "kiel/ws", Current: relA.Spec.Version, Target: relB.Spec.Version}
	f.Fleet = &Fleet{Self: self, Members: []Member{self}}
	for _, m := range mutate {
		m(&f)
	}
	return f
}

func targeting(r rathausv1alpha1.StackRelease) func(*Facts) {
	return func(f *Facts) { f.Target = &r }
}

// decided is what the tests compare of a decision.
type decided struct {
	Missing         Fact
	Render          string
	Reason, Message string
	Blocked         string
	Refused         string
	Start           *Start
	Step            string
	History         string
	Events          []string
	Counts          []StepResult
	RequeueAfter    time.Duration
}

// summary writes a step as from→to phase startedAt [halted] snapshots, the history as its
// results.
func summary(d Decision) decided {
	got := decided{Missing: d.Missing, Reason: d.Reason, Message: d.Message, Start: d.Start, Counts: d.Counts, RequeueAfter: d.RequeueAfter}
	if d.Render != nil {
		got.Render = d.Render.Spec.Version
	}
	if d.Blocked != nil {
		got.Blocked = d.Blocked.Reason
	}
	if d.Refused != nil {
		got.Refused = d.Refused.Reason
	}
	if u := d.Status; u != nil {
		if s := u.Step; s != nil {
			got.Step = fmt.Sprintf("%s→%s %s %s", s.From, s.To, s.Phase, s.StartedAt.UTC().Format(time.RFC3339))
			if s.Halted {
				got.Step += " halted"
			}
			if len(s.Snapshots) > 0 {
				got.Step += " " + strings.Join(s.Snapshots, ",")
			}
		}
		var results []string
		for _, h := range u.History {
			results = append(results, string(h.Result))
		}
		got.History = strings.Join(results, ",")
	}
	for _, e := range d.Events {
		got.Events = append(got.Events, e.Type+" "+e.Reason+" "+e.Message)
	}
	return got
}

func TestDecide(t *testing.T) {
	halted := "upgrade step from 2026.9.0 to 2026.10.0 (nextcloud) halted: no backup within 30m0s: VolumeSnapshot data-pre-2026-10-0 to be ready to use; the step resumes by itself once the stack is healthy, see docs/upgrades.md to restore from the pre-upgrade snapshots"
	tests := []struct {
		name  string
		facts Facts
		want  decided
	}{
		{
			name:  "a new workspace installs its target",
			facts: facts(func(f *Facts) { f.Status, f.Applied = nil, "" }),
			want:  decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonInstalling, Message: "installing release 2026.9.0"},
		},
		{
			name:  "a workspace from before upgrades were tracked runs what it applied",
			facts: facts(targeting(relA), func(f *Facts) { f.Status = nil }),
			want:  decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonInstalling, Message: "installing release 2026.8.0"},
		},
		{
			name:  "up to date",
			facts: facts(targeting(relA)),
			want:  decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonUpToDate, Message: "the workspace runs release 2026.8.0"},
		},
		{
			name:  "blocked: the catalog lacks the release the workspace runs",
			facts: facts(func(f *Facts) { f.Catalog = []rathausv1alpha1.StackRelease{relB} }),
			want: decided{Render: "2026.9.0", Blocked: rathausv1alpha1.ReasonUpgradeBlocked, Reason: rathausv1alpha1.ReasonUpgradeBlocked,
				Message: "release 2026.8.0, which the workspace runs, is not in the release catalog; publish it again"},
		},
		{
			name: "blocked: the catalog lacks the release the step moves to",
			facts: facts(func(f *Facts) {
				f.Status = stepTo(relA, relB, rathausv1alpha1.UpgradeUpgrading, time.Minute)
				f.Catalog = []rathausv1alpha1.StackRelease{relA}
			}),
			want: decided{Render: "2026.8.0", Blocked: rathausv1alpha1.ReasonUpgradeBlocked, Reason: rathausv1alpha1.ReasonUpgradeBlocked, Step: "2026.8.0→2026.9.0 Upgrading 2026-12-02T02:59:00Z",
				Message: "release 2026.9.0, which the step under way moves to, is not in the release catalog; publish it again"},
		},
		{
			name: "a step backing up asks for its snapshots",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Minute, "data-pre-2026-10-0")
			}),
			want: decided{Missing: FactBackup},
		},
		{
			name: "a step backing up waits for its snapshots on its current release",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Minute, "data-pre-2026-10-0")
				f.Backup = &Backup{Cause: "VolumeSnapshot data-pre-2026-10-0 to be ready to use"}
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonBackingUp, Step: "2026.9.0→2026.10.0 BackingUp 2026-12-02T02:59:00Z data-pre-2026-10-0",
				Message: "taking snapshots before the step to 2026.10.0: VolumeSnapshot data-pre-2026-10-0 to be ready to use", RequeueAfter: backupPoll},
		},
		{
			name: "a backup that takes longer than the step timeout halts the step",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Hour, "data-pre-2026-10-0")
				f.Backup = &Backup{Cause: "VolumeSnapshot data-pre-2026-10-0 to be ready to use"}
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonUpgradeHalted, Message: halted, Refused: rathausv1alpha1.ReasonUpgradeHalted,
				Step: "2026.9.0→2026.10.0 BackingUp 2026-12-02T02:00:00Z halted data-pre-2026-10-0", History: "Failed", Counts: []StepResult{StepFailed}, RequeueAfter: backupPoll},
		},
		{
			name: "a halted step is recorded and counted once",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Hour, "data-pre-2026-10-0")
				f.Status.Step.Halted = true
				f.Backup = &Backup{Cause: "VolumeSnapshot data-pre-2026-10-0 to be ready to use"}
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonUpgradeHalted, Message: halted, Refused: rathausv1alpha1.ReasonUpgradeHalted,
				Step: "2026.9.0→2026.10.0 BackingUp 2026-12-02T02:00:00Z halted data-pre-2026-10-0", RequeueAfter: backupPoll},
		},
		{
			name: "ready snapshots start the upgrade, and its timeout, now",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status = stepTo(relB, relC, rathausv1alpha1.UpgradeBackingUp, time.Hour, "data-pre-2026-10-0")
				f.Status.Step.Halted = true
				f.Backup = &Backup{Ready: true}
			}),
			want: decided{Render: "2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.9.0 to 2026.10.0",
				Step: "2026.9.0→2026.10.0 Upgrading 2026-12-02T03:00:00Z data-pre-2026-10-0"},
		},
		{
			name:  "a step in progress applies its release",
			facts: facts(func(f *Facts) { f.Status = stepTo(relA, relB, rathausv1alpha1.UpgradeUpgrading, time.Minute) }),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.8.0 to 2026.9.0",
				Step: "2026.8.0→2026.9.0 Upgrading 2026-12-02T02:59:00Z"},
		},
		{
			name:  "a refused plan keeps the current release and stalls",
			facts: facts(targeting(relDown)),
			want: decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonDowngradeRefused, Refused: rathausv1alpha1.ReasonDowngradeRefused,
				Message: "release 2026.11.0 would take nextcloud back from 33.0.7-apache to 32.0.13-apache; data migrations are not reversible, so downgrades are never done automatically"},
		},
		{
			name:  "outside the maintenance window",
			facts: facts(func(f *Facts) { f.Upgrades.Immediate = false }),
			want: decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonWaitingForWindow, RequeueAfter: 70 * time.Hour,
				Message: "release 2026.9.0 is due; the maintenance window opens at 2026-12-05T01:00:00Z"},
		},
		{
			name: "a window the binary cannot read blocks",
			facts: facts(func(f *Facts) {
				f.Upgrades.Immediate = false
				f.Window = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Caturday"}, Start: "02:00", Duration: "1h"}
			}),
			want: decided{Render: "2026.8.0", Blocked: rathausv1alpha1.ReasonInvalidSpec, Reason: rathausv1alpha1.ReasonInvalidSpec,
				Message: `maintenanceWindow.days: "Caturday" is not a day of the week`},
		},
		{
			name: "inside the maintenance window a step starts",
			facts: facts(func(f *Facts) {
				f.Upgrades.Immediate = false
				f.Now = utc("2026-12-05T01:30:00Z")
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.8.0 to 2026.9.0",
				Start: &Start{To: "2026.9.0"}, Step: "2026.8.0→2026.9.0 Upgrading 2026-12-05T01:30:00Z",
				Events: []string{"Normal UpgradeStarted Upgrade step 2026.9.0 (valkey 9.0.3 → 9.0.4) started"}, Counts: []StepResult{StepStarted}},
		},
		{
			name:  "a step that migrates data asks for the volumes",
			facts: facts(targeting(relC), func(f *Facts) { f.Status, f.Volumes = runs(relB), nil }),
			want:  decided{Missing: FactVolumes},
		},
		{
			name:  "a step that migrates nothing needs no volumes, and asks for the fleet",
			facts: facts(func(f *Facts) { f.Volumes, f.Fleet = nil, nil }),
			want:  decided{Missing: FactFleet},
		},
		{
			name: "waiting for a backup that cannot be taken",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status, f.Volumes = runs(relB), &Volumes{Claims: []string{"data"}, WhyNot: "no snapshot API"}
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonWaitingForBackup,
				Message: "the step to 2026.10.0 migrates data and no pre-upgrade snapshot can be taken: no snapshot API; set spec.upgrades.allowWithoutBackup to upgrade without one"},
		},
		{
			name: "allowed without a backup, the step starts without snapshots",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status, f.Volumes = runs(relB), &Volumes{Claims: []string{"data"}, WhyNot: "no snapshot API"}
				f.Upgrades.AllowWithoutBackup = true
			}),
			want: decided{Render: "2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.9.0 to 2026.10.0",
				Start: &Start{To: "2026.10.0"}, Step: "2026.9.0→2026.10.0 Upgrading 2026-12-02T03:00:00Z",
				Events: []string{"Normal UpgradeStarted Upgrade step 2026.10.0 (nextcloud 33.0.7-apache → 34.0.2-apache) started"}, Counts: []StepResult{StepStarted}},
		},
		{
			name:  "without data volumes there is nothing to back up",
			facts: facts(targeting(relC), func(f *Facts) { f.Status, f.Volumes = runs(relB), &Volumes{} }),
			want: decided{Render: "2026.10.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.9.0 to 2026.10.0",
				Start: &Start{To: "2026.10.0"}, Step: "2026.9.0→2026.10.0 Upgrading 2026-12-02T03:00:00Z",
				Events: []string{"Normal UpgradeStarted Upgrade step 2026.10.0 (nextcloud 33.0.7-apache → 34.0.2-apache) started"}, Counts: []StepResult{StepStarted}},
		},
		{
			name: "the gate refuses: no free slot",
			facts: facts(func(f *Facts) {
				f.Fleet.Members = append(f.Fleet.Members, Member{Name: "kiel/other", Upgrading: true})
			}),
			want: decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonWaitingForSlot, Message: "1 of 1 upgrades the platform allows at once are under way", RequeueAfter: gateRetry},
		},
		{
			name: "the gate refuses until a canary has soaked",
			facts: facts(func(f *Facts) {
				f.Fleet.Members = append(f.Fleet.Members, Member{Name: "kiel/canary", Canary: true, Current: "2026.9.0", Target: "2026.9.0", Ready: true, Since: decideNow.Add(-time.Hour)})
			}),
			want: decided{Render: "2026.8.0", Reason: rathausv1alpha1.ReasonWaitingForCanaries, Message: "waiting for canaries to run 2026.9.0 healthily for 24h0m0s: kiel/canary", RequeueAfter: 23 * time.Hour},
		},
		{
			name:  "a step that starts without snapshots applies its release",
			facts: facts(),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.8.0 to 2026.9.0",
				Start: &Start{To: "2026.9.0"}, Step: "2026.8.0→2026.9.0 Upgrading 2026-12-02T03:00:00Z",
				Events: []string{"Normal UpgradeStarted Upgrade step 2026.9.0 (valkey 9.0.3 → 9.0.4) started"}, Counts: []StepResult{StepStarted}},
		},
		{
			name: "a step that starts with snapshots backs up first, on the current release",
			facts: facts(targeting(relC), func(f *Facts) {
				f.Status, f.Volumes = runs(relB), &Volumes{Claims: []string{"db", "files"}, CanSnapshot: true}
			}),
			want: decided{Render: "2026.9.0", Reason: rathausv1alpha1.ReasonBackingUp, Message: "taking snapshots before the step to 2026.10.0", RequeueAfter: backupPoll,
				Start:  &Start{To: "2026.10.0", Snapshots: []Snapshot{{Name: "db-pre-2026-10-0", Claim: "db"}, {Name: "files-pre-2026-10-0", Claim: "files"}}},
				Step:   "2026.9.0→2026.10.0 BackingUp 2026-12-02T03:00:00Z db-pre-2026-10-0,files-pre-2026-10-0",
				Events: []string{"Normal UpgradeStarted Upgrade step 2026.10.0 (nextcloud 33.0.7-apache → 34.0.2-apache) started"}, Counts: []StepResult{StepStarted}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.facts.Status.DeepCopy()
			d := Decide(tt.facts)
			if got := summary(d); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decided\n %+v\nwant\n %+v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.facts.Status, before) {
				t.Errorf("Decide changed the status it was given")
			}
			if d.Missing == FactNone && d.Status.Target != tt.facts.Target.Spec.Version {
				t.Errorf("status.upgrade.target %s, want %s", d.Status.Target, tt.facts.Target.Spec.Version)
			}
		})
	}
}

// A pinned workspace passes through any release of the catalog; one following a channel only
// through the channel's.
func TestDecideFollowsTheChannel(t *testing.T) {
	rapidOnly := rel("2026.9.0", false, []string{"rapid"}, "nextcloud=33.0.7-apache", "valkey=9.0.4")
	from := rel("2026.8.0", false, both, "nextcloud=32.0.13-apache", "valkey=9.0.3")
	for _, tt := range []struct {
		sel  *rathausv1alpha1.ReleaseSelector
		want string
	}{
		{sel: nil, want: rathausv1alpha1.ReasonUpgradeUnreachable},
		{sel: &rathausv1alpha1.ReleaseSelector{Channel: "stable"}, want: rathausv1alpha1.ReasonUpgradeUnreachable},
		{sel: &rathausv1alpha1.ReleaseSelector{Version: "2026.10.0"}, want: rathausv1alpha1.ReasonUpgradeInProgress},
		{sel: &rathausv1alpha1.ReleaseSelector{Channel: "rapid"}, want: rathausv1alpha1.ReasonUpgradeInProgress},
	} {
		d := Decide(facts(targeting(relC), func(f *Facts) {
			f.Status, f.Selector = runs(from), tt.sel
			f.Catalog = []rathausv1alpha1.StackRelease{from, rapidOnly, relC}
			f.Upgrades.AllowWithoutBackup = true
			f.Volumes = &Volumes{}
		}))
		if d.Reason != tt.want {
			t.Errorf("selector %+v: %s (%s), want %s", tt.sel, d.Reason, d.Message, tt.want)
		}
	}
}

func TestSnapshotName(t *testing.T) {
	if got := SnapshotName("rathaus-nextcloud-data", "2026.10.0"); got != "rathaus-nextcloud-data-pre-2026-10-0" {
		t.Fatal(got)
	}
}
