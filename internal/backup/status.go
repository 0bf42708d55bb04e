package backup

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// Statuses are where each store's backups stand, from the CronJobs the cluster shows
// (in.Observed): the newest successful backup, the newest start and the next one due.
func Statuses(in stack.Inputs, now time.Time) []rathausv1alpha1.BackupStatus {
	p := in.Platform.Spec.Backup
	var out []rathausv1alpha1.BackupStatus
	for _, s := range Stores(in) {
		st := rathausv1alpha1.BackupStatus{Store: s, Schedule: WorkspaceSchedule(in, s)}
		if next, err := Next(st.Schedule, now); err == nil {
			st.NextScheduleTime = &metav1.Time{Time: next}
		} else {
			st.Message = err.Error()
		}
		report := observed(in, s)
		st.LastSuccessfulTime, st.LastScheduleTime = report.LastSuccessfulTime, report.LastScheduleTime
		if st.Message == "" {
			st.Message = overdue(st, report.Since, MaxAge(p), now)
		}
		out = append(out, st)
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
	return stack.BackupReport{LastSuccessfulTime: cj.Status.LastSuccessfulTime, LastScheduleTime: cj.Status.LastScheduleTime, Since: cj.CreationTimestamp.Time}
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
// store has a recent successful backup, False naming the stores that have none, Unknown while
// a store waits for its first one. It never touches Ready: a failed backup does not make the
// services unusable, but it must be seen.
func Condition(statuses []rathausv1alpha1.BackupStatus) metav1.Condition {
	c := metav1.Condition{Type: rathausv1alpha1.ConditionBackupsHealthy}
	var failing, pending []string
	for _, st := range statuses {
		switch {
		case st.Message != "":
			failing = append(failing, string(st.Store)+": "+st.Message)
		case st.LastSuccessfulTime == nil:
			pending = append(pending, string(st.Store))
		}
	}
	switch {
	case len(failing) > 0:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, rathausv1alpha1.ReasonBackupOverdue, strings.Join(failing, "; ")
	case len(pending) > 0:
		c.Status, c.Reason = metav1.ConditionUnknown, rathausv1alpha1.ReasonFirstBackupPending
		c.Message = "waiting for the first backup of " + strings.Join(pending, ", ")
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, rathausv1alpha1.ReasonBackupsCurrent, "every store has a recent successful backup"
	}
	return c
}
