package backup

import (
	"encoding/json"
	"regexp"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// StoreLabel names the store a backup pod backs up; the operator finds each store's newest
// run by it.
const StoreLabel = "rathaus.io/backup-store"

// summary is what the operator reads of restic's closing JSON message of a backup, the
// "summary" message of `restic backup --json` (restic doc/075_scripting.rst@v0.19.1,
// "backup", "Summary").
type summary struct {
	MessageType         string `json:"message_type"`
	TotalBytesProcessed int64  `json:"total_bytes_processed"`
	DataAddedPacked     int64  `json:"data_added_packed"`
	SnapshotID          string `json:"snapshot_id"`
}

// snapshotID is a restic snapshot ID: 64 hex digits.
var snapshotID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// newestSummary is the summary of the store's newest successful backup whose pod the cluster
// still shows (a CronJob keeps the newest successful Job), from the restic container's
// termination message. Anything that is not a well-formed summary is ignored: the message is
// written by a container, and a size is never worth a wrong one.
func newestSummary(in stack.Inputs, s rathausv1alpha1.BackupStore) (summary, bool) {
	var (
		best   summary
		bestAt time.Time
		found  bool
	)
	for i := range in.BackupPods {
		pod := &in.BackupPods[i]
		if pod.Namespace != in.Workspace.Namespace || pod.Labels[StoreLabel] != storeName(s) || pod.Status.Phase != corev1.PodSucceeded {
			continue
		}
		for _, c := range pod.Status.ContainerStatuses {
			t := c.State.Terminated
			if c.Name != "restic" || t == nil || t.ExitCode != 0 {
				continue
			}
			var sum summary
			if json.Unmarshal([]byte(t.Message), &sum) != nil || sum.MessageType != "summary" || !snapshotID.MatchString(sum.SnapshotID) ||
				sum.TotalBytesProcessed < 0 || sum.DataAddedPacked < 0 {
				continue
			}
			if !found || t.FinishedAt.After(bestAt) || t.FinishedAt.Time.Equal(bestAt) && sum.SnapshotID < best.SnapshotID {
				best, bestAt, found = sum, t.FinishedAt.Time, true
			}
		}
	}
	return best, found
}

// Pods selects the pods of every workspace's backup runs: what the operator's cache holds of
// pods.
func Pods() labels.Selector {
	sel, _ := labels.Parse(kit.AppLabel + "=" + ComponentName + "," + ownership.PartOfLabel + "=rathaus," + StoreLabel)
	return sel
}

// WorkspacePods selects the pods of one workspace's backup runs.
func WorkspacePods(workspace string) labels.Selector {
	req, _ := labels.NewRequirement(ownership.WorkspaceLabel, selection.Equals, []string{workspace})
	return Pods().Add(*req)
}
