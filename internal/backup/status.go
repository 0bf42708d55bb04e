package backup

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// Assessment is where one store's backups stand, and what is wrong with them.
type Assessment struct {
	Status rathausv1alpha1.BackupStatus
	// Overdue: the newest successful backup is older than the policy allows (or there is
	// none that long after the store was scheduled).
	Overdue bool
	// Failed: the newest run ended without success.
	Failed bool
}

// Assess says where each store's backups stand, from the CronJobs the cluster shows
// (in.Observed) or what another operator reports: the newest successful backup, the newest
// start, the next one due, and what is wrong.
func Assess(in stack.Inputs, now time.Time) []Assessment {
	p := in.Platform.Spec.Backup
	var out []Assessment
	for _, s := range Stores(in) {
		a := Assessment{Status: rathausv1alpha1.BackupStatus{Store: s, Schedule: WorkspaceSchedule(in, s)}}
		st := &a.Status
		next, err := Next(st.Schedule, now)
		if err != nil {
			st.Message = err.Error()
		} else {
			st.NextScheduleTime = &metav1.Time{Time: next}
		}
		report := observed(in, s)
		st.LastSuccessfulTime, st.LastScheduleTime = report.LastSuccessfulTime, report.LastScheduleTime
		if sum, ok := newestSummary(in, s); ok {
			st.Size = resource.NewQuantity(sum.TotalBytesProcessed, resource.BinarySI)
			st.Added = resource.NewQuantity(sum.DataAddedPacked, resource.BinarySI)
			st.Snapshot = sum.SnapshotID
		}
		var why []string
		if msg := overdue(*st, report.Since, MaxAge(p), now); msg != "" {
			a.Overdue, why = true, append(why, msg)
		}
		if report.Failed {
			a.Failed = true
			why = append(why, fmt.Sprintf("the backup started at %s did not succeed; its Job's log says why", st.LastScheduleTime.UTC().Format(time.RFC3339)))
		}
		if st.Message == "" {
			st.Message = strings.Join(why, "; ")
		}
		out = append(out, a)
	}
	return out
}

// observed is where a store's backups stand: as another operator reports them, or as the
// store's CronJob does.
func observed(in stack.Inputs, s rathausv1alpha1.BackupStore) stack.BackupReport {
	if src, err := source(in, s); err == nil && src.Taken != nil {
		return *src.Taken
	}
	cj, ok := in.Observed[stack.Key("CronJob", in.Workspace.Namespace, cronJobName(s))].(*batchv1.CronJob)
	if !ok {
		return stack.BackupReport{}
	}
	last, success := cj.Status.LastScheduleTime, cj.Status.LastSuccessfulTime
	return stack.BackupReport{
		LastSuccessfulTime: success, LastScheduleTime: last, Since: cj.CreationTimestamp.Time,
		// The newest run started after the newest success and no longer runs: it failed
		// (CronJob's controller lists running Jobs in status.active).
		Failed: last != nil && (success == nil || last.After(success.Time)) && len(cj.Status.Active) == 0,
	}
}

// overdue says what is wrong with a store whose newest successful backup is older than
// maxAge, or that has none although it has been scheduled for longer than that; "" otherwise.
func overdue(st rathausv1alpha1.BackupStatus, since time.Time, maxAge time.Duration, now time.Time) string {
	switch {
	case st.LastSuccessfulTime != nil && now.Sub(st.LastSuccessfulTime.Time) > maxAge:
		return fmt.Sprintf("the newest successful backup finished at %s, more than %s ago", st.LastSuccessfulTime.UTC().Format(time.RFC3339), maxAge)
	case st.LastSuccessfulTime == nil && !since.IsZero() && now.Sub(since) > maxAge:
		return fmt.Sprintf("no backup has succeeded in the %s since it was scheduled", maxAge)
	}
	return ""
}

// Condition is the workspace's BackupsHealthy condition (without times): True while every
// store has a recent successful backup; False naming the stores whose newest backup is too old
// (BackupOverdue) or, while none is, whose newest run failed (BackupFailed); Unknown while a
// store waits for its first one. It never touches Ready: a failed backup does not make the
// services unusable, but it must be seen.
func Condition(stores []Assessment) metav1.Condition {
	c := metav1.Condition{Type: rathausv1alpha1.ConditionBackupsHealthy}
	var overdue, failed, pending []string
	for _, a := range stores {
		switch {
		case a.Overdue || a.Status.Message != "" && !a.Failed:
			overdue = append(overdue, string(a.Status.Store)+": "+a.Status.Message)
		case a.Failed:
			failed = append(failed, string(a.Status.Store)+": "+a.Status.Message)
		case a.Status.LastSuccessfulTime == nil:
			pending = append(pending, string(a.Status.Store))
		}
	}
	switch {
	case len(overdue) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, rathausv1alpha1.ReasonBackupOverdue, strings.Join(append(overdue, failed...), "; ")
	case len(failed) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, rathausv1alpha1.ReasonBackupFailed, strings.Join(failed, "; ")
	case len(pending) > 0:
		c.Status, c.Reason = metav1.ConditionUnknown, rathausv1alpha1.ReasonFirstBackupPending
		c.Message = "waiting for the first backup of " + strings.Join(pending, ", ")
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, rathausv1alpha1.ReasonBackupsCurrent, "every store has a recent successful backup"
	}
	return c
}
