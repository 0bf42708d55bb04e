package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/upgrade"
)

// A step decided by a reconcile whose status patch fails (or by an operator killed before
// the patch) is decided again by the next reconcile; make chaos saw it announced twice. It is
// announced, Event and rathaus_upgrade_steps_total, only by the reconcile that records it.
func TestUpgradeStepAnnouncedOnlyWithItsStatus(t *testing.T) {
	ctx := context.Background()
	ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel"}}
	patchFails := true
	c := fake.NewClientBuilder().WithScheme(Scheme()).WithObjects(ws).WithStatusSubresource(ws).
		WithInterceptorFuncs(interceptor.Funcs{
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
				if patchFails {
					return apierrors.NewConflict(schema.GroupResource{Group: "rathaus.io", Resource: "municipalityworkspaces"}, obj.GetName(), nil)
				}
				return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
			},
		}).Build()
	recorder := events.NewFakeRecorder(10)
	r := &WorkspaceReconciler{Client: c, Recorder: recorder, Now: func() time.Time { return time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) }}
	started := func() float64 {
		return testutil.ToFloat64(metrics.UpgradeSteps.WithLabelValues(string(metrics.StepStarted)))
	}

	reconcileOnce := func() error {
		live := &rathausv1alpha1.MunicipalityWorkspace{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(ws), live); err != nil {
			t.Fatal(err)
		}
		up := &upgrade.Outcome{
			Status: &rathausv1alpha1.UpgradeStatus{Current: "2026.8.0", Target: "2026.9.0", Step: &rathausv1alpha1.UpgradeStep{
				From: "2026.8.0", To: "2026.9.0", Phase: rathausv1alpha1.UpgradeUpgrading, StartedAt: metav1.NewTime(r.Now()),
			}},
			Reason: rathausv1alpha1.ReasonUpgradeInProgress, Message: "upgrading from 2026.8.0 to 2026.9.0",
			Events: []upgrade.Event{{Type: corev1.EventTypeNormal, Reason: "UpgradeStarted", Message: "Upgrade step 2026.8.0 → 2026.9.0 started"}},
			Counts: []upgrade.StepResult{upgrade.StepStarted},
		}
		_, err := r.patchStatus(ctx, live.DeepCopy(), live, stackResult{in: stack.Inputs{Workspace: live}, upgrade: up})
		return err
	}

	before := started()
	if err := reconcileOnce(); err == nil {
		t.Fatal("the status patch was to fail")
	}
	if got := upgradeEvents(recorder); len(got) != 0 || started() != before {
		t.Fatalf("a step whose status was not written was announced: Events %q, started %v → %v", got, before, started())
	}
	patchFails = false
	if err := reconcileOnce(); err != nil {
		t.Fatal(err)
	}
	if got := started() - before; got != 1 {
		t.Errorf("rathaus_upgrade_steps_total{result=started} rose by %v, want 1", got)
	}
	if got := upgradeEvents(recorder); len(got) != 1 || got[0] != "Normal UpgradeStarted Upgrade step 2026.8.0 → 2026.9.0 started" {
		t.Errorf("Upgrade Events %q, want the one UpgradeStarted", got)
	}
}

// upgradeEvents drains the recorder and returns its Upgrade* Events.
func upgradeEvents(r *events.FakeRecorder) []string {
	var out []string
	for len(r.Events) > 0 {
		if e := <-r.Events; strings.HasPrefix(e, "Normal Upgrade") || strings.HasPrefix(e, "Warning Upgrade") {
			out = append(out, e)
		}
	}
	return out
}
