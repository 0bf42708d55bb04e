package backup

import (
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

var (
	snapA = strings.Repeat("a", 64)
	snapB = strings.Repeat("b", 64)
)

// resticSummary is the closing line of `restic backup --json` as restic 0.19.1 prints it
// (doc/075_scripting.rst, "Summary"), fields abridged.
func resticSummary(snapshot string, total, added int64) string {
	return `{"message_type":"summary","files_new":2,"files_changed":0,"files_unmodified":40,"data_added":` + itoa(added*2) +
		`,"data_added_packed":` + itoa(added) + `,"total_files_processed":42,"total_bytes_processed":` + itoa(total) +
		`,"total_duration":1.5,"snapshot_id":"` + snapshot + `"}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quantity(q *resource.Quantity) string {
	if q == nil {
		return ""
	}
	return q.String()
}

func backupPod(name, store string, phase corev1.PodPhase, exit int32, finished time.Time, message string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kiel", Labels: map[string]string{StoreLabel: store}},
		Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{
			Name:  "restic",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, FinishedAt: metav1.NewTime(finished), Message: message}},
		}}},
	}
}

func TestStatusShowsTheNewestBackupsSize(t *testing.T) {
	tests := []struct {
		name        string
		pods        []corev1.Pod
		size, added string
		snapshot    string
	}{
		{"no pod left", nil, "", "", ""},
		{"the newest success", []corev1.Pod{
			backupPod("older", "files", corev1.PodSucceeded, 0, t0.Add(-25*time.Hour), resticSummary(snapA, 1<<30, 1<<20)),
			backupPod("newer", "files", corev1.PodSucceeded, 0, t0.Add(-time.Hour), resticSummary(snapB, 3<<30, 5<<20)),
		}, "3Gi", "5Mi", snapB},
		{"a failed run is not the newest backup", []corev1.Pod{
			backupPod("ok", "files", corev1.PodSucceeded, 0, t0.Add(-25*time.Hour), resticSummary(snapA, 1<<30, 1<<20)),
			backupPod("failed", "files", corev1.PodFailed, 1, t0.Add(-time.Hour), resticSummary(snapB, 3<<30, 5<<20)),
		}, "1Gi", "1Mi", snapA},
		{"another store's run", []corev1.Pod{backupPod("media", "media", corev1.PodSucceeded, 0, t0, resticSummary(snapA, 1<<30, 1<<20))}, "", "", ""},
		{"a message that is not a summary", []corev1.Pod{backupPod("odd", "files", corev1.PodSucceeded, 0, t0, `{"message_type":"status","total_bytes_processed":5}`)}, "", "", ""},
		{"not JSON", []corev1.Pod{backupPod("odd", "files", corev1.PodSucceeded, 0, t0, "Fatal: unable to open config file")}, "", "", ""},
		{"a forged snapshot ID", []corev1.Pod{backupPod("odd", "files", corev1.PodSucceeded, 0, t0, resticSummary("../../x", 1, 1))}, "", "", ""},
		{"negative sizes", []corev1.Pod{backupPod("odd", "files", corev1.PodSucceeded, 0, t0, resticSummary(snapA, -1, 1))}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputs(func(in *stack.Inputs) { in.BackupPods = tt.pods })
			var files rathausv1alpha1.BackupStatus
			for _, a := range Assess(in, t0) {
				if a.Status.Store == rathausv1alpha1.BackupFiles {
					files = a.Status
				}
			}
			if got := quantity(files.Size); got != tt.size {
				t.Errorf("size = %q, want %q", got, tt.size)
			}
			if got := quantity(files.Added); got != tt.added {
				t.Errorf("added = %q, want %q", got, tt.added)
			}
			if files.Snapshot != tt.snapshot {
				t.Errorf("snapshot = %q, want %q", files.Snapshot, tt.snapshot)
			}
		})
	}
}

func TestEachRunIsLabelledWithItsStore(t *testing.T) {
	for name, cj := range rendered(t, inputs()) {
		store := cj.Spec.JobTemplate.Spec.Template.Labels[StoreLabel]
		if name != "rathaus-backup-"+store || !Pods().Matches(labels.Set(cj.Spec.JobTemplate.Spec.Template.Labels)) {
			t.Errorf("%s: pods labelled %v, which the operator's cache of backup pods would not select as its store's", name, cj.Spec.JobTemplate.Spec.Template.Labels)
		}
	}
}
