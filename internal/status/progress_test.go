package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestProgressOnly(t *testing.T) {
	t0, t1 := metav1.Unix(0, 0), metav1.Unix(60, 0)
	cond := func(typ string, s metav1.ConditionStatus, reason, msg string, at metav1.Time) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: 1, LastTransitionTime: at}
	}
	// comingUp is a workspace whose files are available and whose mail is still on its way.
	comingUp := func() *rathausv1alpha1.MunicipalityWorkspaceStatus {
		return &rathausv1alpha1.MunicipalityWorkspaceStatus{
			ObservedGeneration: 1,
			Release:            "2026.11.0",
			Hosts:              []string{"cloud.kiel.de"},
			Conditions: []metav1.Condition{
				cond("FilesReady", metav1.ConditionTrue, rathausv1alpha1.ReasonAvailable, "files is available", t0),
				cond("MailReady", metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for StatefulSet rathaus-stalwart to be rolled out", t0),
				cond(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for mail: StatefulSet rathaus-stalwart to be rolled out", t0),
				cond(rathausv1alpha1.ConditionReconciling, metav1.ConditionTrue, rathausv1alpha1.ReasonProgressing, "waiting for mail: StatefulSet rathaus-stalwart to be rolled out", t0),
			},
			Services: []rathausv1alpha1.ServiceStatus{
				{Name: "files", URL: "https://cloud.kiel.de", Version: "31.0.9", Ready: metav1.ConditionTrue},
				{Name: "mail", URL: "https://mail.kiel.de", Ready: metav1.ConditionFalse},
			},
		}
	}
	set := func(st *rathausv1alpha1.MunicipalityWorkspaceStatus, c metav1.Condition) {
		for i := range st.Conditions {
			if st.Conditions[i].Type == c.Type {
				st.Conditions[i] = c
				return
			}
		}
		st.Conditions = append(st.Conditions, c)
	}
	cases := []struct {
		name   string
		before func() *rathausv1alpha1.MunicipalityWorkspaceStatus
		change func(*rathausv1alpha1.MunicipalityWorkspaceStatus)
		want   bool
	}{
		{"a component waits for something else", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("MailReady", metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for StatefulSet rathaus-stalwart: 0 of 1 replicas available", t0))
			set(st, cond(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for mail: StatefulSet rathaus-stalwart: 0 of 1 replicas available", t0))
		}, true},
		{"a component becomes available as another component's condition first appears", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("MailReady", metav1.ConditionTrue, rathausv1alpha1.ReasonAvailable, "mail is available", t1))
			set(st, cond("VideoReady", metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for Deployment rathaus-jitsi-jvb to be rolled out", t0))
			st.Services[1].Ready, st.Services[1].Version = metav1.ConditionTrue, "0.15.4"
		}, false}, // a condition that was not there before is news
		{"a component falls back to progressing", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("FilesReady", metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for Deployment rathaus-nextcloud to be rolled out", t1))
			st.Services[0].Ready = metav1.ConditionFalse
		}, true},
		{"the service gets its version as it becomes available", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("MailReady", metav1.ConditionTrue, rathausv1alpha1.ReasonAvailable, "mail is available", t1))
			st.Services[1].Ready, st.Services[1].Version = metav1.ConditionTrue, "0.15.4"
		}, true},
		{"only the digests for the next start", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.ObjectsFingerprint, st.SettledDigest = "sha256:1", "sha256:2"
		}, true},
		{"the workspace becomes Ready", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("MailReady", metav1.ConditionTrue, rathausv1alpha1.ReasonAvailable, "mail is available", t1))
			set(st, cond(rathausv1alpha1.ConditionReady, metav1.ConditionTrue, rathausv1alpha1.ReasonProvisioned, "the workspace is provisioned and its enabled services are available", t1))
			st.Conditions = st.Conditions[:len(st.Conditions)-1] // Reconciling goes
		}, false},
		{"a component fails", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond("MailReady", metav1.ConditionFalse, rathausv1alpha1.ReasonFailed, "Job rathaus-stalwart-config failed: BackoffLimitExceeded", t0))
		}, false},
		{"the workspace stalls", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, rathausv1alpha1.ReasonComponentFailed, "mail: failed", t0))
		}, false},
		{"a reconcile fails", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond(rathausv1alpha1.ConditionReconciling, metav1.ConditionTrue, rathausv1alpha1.ReasonReconcileError, "retrying after error: timeout", t0))
		}, false},
		{"a new generation is observed", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.ObservedGeneration = 2
		}, false},
		{"a condition observes a new generation", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.Conditions[0].ObservedGeneration = 2
		}, false},
		{"the hosts change", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.Hosts = append(st.Hosts, "mail.kiel.de")
		}, false},
		{"the release changes", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.Release = "2026.12.0"
		}, false},
		{"an upgrade moves", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.Upgrade = &rathausv1alpha1.UpgradeStatus{Current: "2026.11.0"}
		}, false},
		{"a service's address changes", comingUp, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			st.Services[0].URL = "https://dateien.kiel.de"
		}, false},
		{"a Ready workspace starts progressing", func() *rathausv1alpha1.MunicipalityWorkspaceStatus {
			st := comingUp()
			set(st, cond(rathausv1alpha1.ConditionReady, metav1.ConditionTrue, rathausv1alpha1.ReasonProvisioned, "provisioned", t0))
			return st
		}, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			set(st, cond(rathausv1alpha1.ConditionReady, metav1.ConditionFalse, rathausv1alpha1.ReasonProgressing, "waiting for files", t1))
		}, false},
		{"a new workspace's first status", func() *rathausv1alpha1.MunicipalityWorkspaceStatus {
			return &rathausv1alpha1.MunicipalityWorkspaceStatus{}
		}, func(st *rathausv1alpha1.MunicipalityWorkspaceStatus) {
			*st = *comingUp()
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.before()
			after := before.DeepCopy()
			c.change(after)
			if got := ProgressOnly(before, after); got != c.want {
				t.Errorf("ProgressOnly = %v, want %v", got, c.want)
			}
			if !ProgressOnly(before, before.DeepCopy()) && progressing(before.Conditions) {
				t.Error("an unchanged progressing status must count as progress only")
			}
		})
	}
}
