package metrics

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
)

func workspace(mutate func(*rathausv1alpha1.MunicipalityWorkspace)) *rathausv1alpha1.MunicipalityWorkspace {
	ws := &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "workspace"},
		Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: "kiel.de", Size: rathausv1alpha1.SizeM},
	}
	if mutate != nil {
		mutate(ws)
	}
	return ws
}

func TestWorkspaceSamples(t *testing.T) {
	tests := []struct {
		name     string
		ws       *rathausv1alpha1.MunicipalityWorkspace
		resolved string
		want     []Sample
	}{
		{
			name: "new workspace: info with the resolved release only",
			ws:   workspace(nil), resolved: "2026.11.0",
			want: []Sample{{Name: WorkspaceInfoName, LabelValues: []string{"kiel", "workspace", "2026.11.0", "M"}, Value: 1}},
		},
		{
			name: "unresolvable release and no size yet",
			ws:   workspace(func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Size = "" }),
			want: []Sample{{Name: WorkspaceInfoName, LabelValues: []string{"kiel", "workspace", "", "S"}, Value: 1}},
		},
		{
			name: "ready workspace: one sample per condition and service, status.release wins",
			ws: workspace(func(w *rathausv1alpha1.MunicipalityWorkspace) {
				w.Status = rathausv1alpha1.MunicipalityWorkspaceStatus{
					Release: "2026.9.0",
					Conditions: []metav1.Condition{
						{Type: "FilesReady", Status: metav1.ConditionTrue, Reason: "Available"},
						{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Provisioned"},
						{Type: "VideoReady", Status: metav1.ConditionFalse, Reason: "Progressing"},
					},
					Services: []rathausv1alpha1.ServiceStatus{
						{Name: "files", Ready: metav1.ConditionTrue},
						{Name: "video", Ready: metav1.ConditionFalse},
						{Name: "media", Ready: metav1.ConditionUnknown},
					},
				}
			}),
			resolved: "2026.11.0",
			want: []Sample{
				{Name: WorkspaceConditionName, LabelValues: []string{"kiel", "workspace", "FilesReady", "True", "Available"}, Value: 1},
				{Name: WorkspaceConditionName, LabelValues: []string{"kiel", "workspace", "Ready", "True", "Provisioned"}, Value: 1},
				{Name: WorkspaceConditionName, LabelValues: []string{"kiel", "workspace", "VideoReady", "False", "Progressing"}, Value: 1},
				{Name: WorkspaceInfoName, LabelValues: []string{"kiel", "workspace", "2026.9.0", "M"}, Value: 1},
				{Name: WorkspaceServiceReadyName, LabelValues: []string{"kiel", "workspace", "files"}, Value: 1},
				{Name: WorkspaceServiceReadyName, LabelValues: []string{"kiel", "workspace", "video"}, Value: 0},
				{Name: WorkspaceServiceReadyName, LabelValues: []string{"kiel", "workspace", "media"}, Value: 0},
			},
		},
		{
			name: "backups: the newest success per store, 0 before the first",
			ws: workspace(func(w *rathausv1alpha1.MunicipalityWorkspace) {
				w.Status.Release = "2026.11.0"
				w.Status.Backups = []rathausv1alpha1.BackupStatus{
					{Store: rathausv1alpha1.BackupDatabase, LastSuccessfulTime: &metav1.Time{Time: time.Unix(1796526000, 0)}, Size: resource.NewQuantity(3<<30, resource.BinarySI)},
					{Store: rathausv1alpha1.BackupFiles},
				}
			}),
			want: []Sample{
				{Name: WorkspaceInfoName, LabelValues: []string{"kiel", "workspace", "2026.11.0", "M"}, Value: 1},
				{Name: BackupLastSuccessName, LabelValues: []string{"kiel", "workspace", "Database"}, Value: 1796526000},
				{Name: BackupSizeName, LabelValues: []string{"kiel", "workspace", "Database"}, Value: 3 << 30},
				{Name: BackupLastSuccessName, LabelValues: []string{"kiel", "workspace", "Files"}, Value: 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WorkspaceSamples(tt.ws, tt.resolved)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WorkspaceSamples =\n%v\nwant\n%v", got, tt.want)
			}
			for _, s := range got {
				if _, ok := workspaceDescs[s.Name]; !ok {
					t.Errorf("sample of undescribed metric %s", s.Name)
				}
			}
		})
	}
}

type fakeLister struct {
	workspaces []rathausv1alpha1.MunicipalityWorkspace
	releases   []rathausv1alpha1.StackRelease
	err        error
}

func (f fakeLister) Workspaces(context.Context) ([]rathausv1alpha1.MunicipalityWorkspace, error) {
	return f.workspaces, f.err
}

func (f fakeLister) Releases(context.Context) ([]rathausv1alpha1.StackRelease, error) {
	return f.releases, nil
}

// The collector's output in the exposition format, as Prometheus scrapes it.
func TestWorkspaceCollector(t *testing.T) {
	pinned := *workspace(func(w *rathausv1alpha1.MunicipalityWorkspace) {
		w.Namespace = "flensburg"
		w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: "2027.1.0"}
	})
	running := *workspace(func(w *rathausv1alpha1.MunicipalityWorkspace) {
		w.Status.Release = "2026.11.0"
		w.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Progressing"}}
		w.Status.Services = []rathausv1alpha1.ServiceStatus{{Name: "files", Ready: metav1.ConditionFalse}}
	})
	catalog := []rathausv1alpha1.StackRelease{*release.BuiltIn()}
	catalog = append(catalog, rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2027.1.0"}})
	c := &WorkspaceCollector{Lister: fakeLister{workspaces: []rathausv1alpha1.MunicipalityWorkspace{pinned, running}, releases: catalog}, Log: logr.Discard()}

	want := `
# HELP rathaus_workspace_condition Current conditions of each MunicipalityWorkspace: 1 per condition, with its type, status and reason.
# TYPE rathaus_workspace_condition gauge
rathaus_workspace_condition{name="workspace",namespace="kiel",reason="Progressing",status="False",type="Ready"} 1
# HELP rathaus_workspace_info Information about each MunicipalityWorkspace: the release it runs (or will run) and its size tier; always 1.
# TYPE rathaus_workspace_info gauge
rathaus_workspace_info{name="workspace",namespace="flensburg",release="2027.1.0",size="M"} 1
rathaus_workspace_info{name="workspace",namespace="kiel",release="2026.11.0",size="M"} 1
# HELP rathaus_workspace_service_ready Whether each enabled service of each MunicipalityWorkspace is ready (1) or not (0).
# TYPE rathaus_workspace_service_ready gauge
rathaus_workspace_service_ready{name="workspace",namespace="kiel",service="files"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestWorkspaceCollectorYieldsNothingWhenTheCacheFails(t *testing.T) {
	c := &WorkspaceCollector{Lister: fakeLister{err: errors.New("cache not synced")}, Log: logr.Discard()}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("a failed read must not fail the scrape: %v", err)
	}
	if len(families) != 0 {
		t.Errorf("got %d metric families, want none", len(families))
	}
}

func TestUpgradeStepsExistAtZeroAndCount(t *testing.T) {
	for _, r := range []StepResult{StepStarted, StepSucceeded, StepFailed} {
		if v := testutil.ToFloat64(UpgradeSteps.WithLabelValues(string(r))); v != 0 {
			t.Fatalf("%s = %v before any step, want 0", r, v)
		}
	}
	if n := testutil.CollectAndCount(UpgradeSteps); n != 3 {
		t.Fatalf("%d series before any step, want 3", n)
	}
	CountUpgradeStep(StepStarted)
	CountUpgradeStep(StepFailed)
	if v := testutil.ToFloat64(UpgradeSteps.WithLabelValues("started")); v != 1 {
		t.Errorf("started = %v, want 1", v)
	}
	if v := testutil.ToFloat64(UpgradeSteps.WithLabelValues("succeeded")); v != 0 {
		t.Errorf("succeeded = %v, want 0", v)
	}
}
