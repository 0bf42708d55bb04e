package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/status"
)

// serviceStatuses lists the enabled user-facing services with their address, version and the
// status of their condition, in component order. The version is the one the service has been
// seen running: the release's version once the service is Ready on it, the previously
// recorded one meanwhile (upgrades rely on it, e.g. Nextcloud moves one major at a time).
func serviceStatuses(endpoints []stack.Endpoint, conds []metav1.Condition, previous []rathausv1alpha1.ServiceStatus) []rathausv1alpha1.ServiceStatus {
	running := map[string]string{}
	for _, p := range previous {
		running[p.Name] = p.Version
	}
	out := make([]rathausv1alpha1.ServiceStatus, 0, len(endpoints))
	for _, e := range endpoints {
		ready := metav1.ConditionUnknown
		if cond := meta.FindStatusCondition(conds, e.ConditionType); cond != nil {
			ready = cond.Status
		}
		version := running[e.Service]
		if ready == metav1.ConditionTrue {
			version = e.Version
		}
		out = append(out, rathausv1alpha1.ServiceStatus{Name: e.Service, URL: e.URL, Version: version, Ready: ready})
	}
	return out
}

// conditionTypes lists the condition types of all components, so that the conditions of
// components switched off can be removed.
func conditionTypes(components []stack.Component) []string {
	var out []string
	for _, c := range components {
		if cond, ok := c.(stack.Conditioned); ok {
			out = append(out, cond.ConditionType())
		}
	}
	return out
}

func equalStatus(a, b *rathausv1alpha1.MunicipalityWorkspaceStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// reportComponents lets each component that owns a part of the status fill it in st; when st
// holds what those whose report is a function of the inputs alone say of these inputs
// (reported), they are not asked again (stack.InputsOnlyReporter).
func reportComponents(components []stack.Component, in stack.Inputs, now time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus, reported bool) {
	for _, c := range components {
		_, inputsOnly := c.(stack.InputsOnlyReporter)
		if reporter, ok := c.(stack.StatusReporter); ok && !(inputsOnly && reported) {
			reporter.ReportStatus(in, now, st)
		}
	}
}

// patchStatus computes the new status from the outcome and writes it, if it changed, with one
// merge patch. Events mark the transitions an operator on call cares about. A change that is
// only progress (status.ProgressOnly) within progressInterval of the last write waits: it
// returns how long, for the reconcile to come back then.
func (r *WorkspaceReconciler) patchStatus(ctx context.Context, before, ws *rathausv1alpha1.MunicipalityWorkspace, res stackResult) (time.Duration, error) {
	st := ws.Status.DeepCopy()
	now := metav1.NewTime(r.Now())
	if status.Apply(&st.Conditions, ws.Generation, res.outcome, now) {
		st.ObservedGeneration = ws.Generation
	}
	if res.release != "" {
		st.Release = res.release
	}
	if res.hosts != nil {
		st.Hosts = res.hosts
	}
	reportedNow := res.reports != nil || res.outcome.Stalled == nil && res.outcome.Err == nil
	if reportedNow {
		status.ApplyComponents(&st.Conditions, ws.Generation, res.reports, conditionTypes(r.Components), now)
		st.Services = serviceStatuses(res.in.Endpoints, st.Conditions, st.Services)
		reportComponents(r.Components, res.in, now.Time, st, res.reported)
		applyCompliance(st, res.compliance, ws.Generation, now.Time)
	}
	if res.dnsKnown {
		st.DNSRecords = res.dnsRecords
	}
	if res.objectsFingerprint != "" {
		st.ObjectsFingerprint = res.objectsFingerprint
	}
	r.applyUpgradeStatus(ws, st, res.upgrade)
	status.SortByType(st.Conditions)
	status.MarkProvisioned(st)
	if equalStatus(&before.Status, st) {
		if reportedNow && res.inputsDigest != "" {
			// The status the inputs were digested with is what the reporters say of them.
			r.settled.markReported(client.ObjectKeyFromObject(ws), res.inputsDigest)
		}
		return 0, nil
	}
	// The wall clock, not r.Now (the clock of condition transitions, which tests may hold
	// still): a clock that does not move must not hold progress back for good.
	key, written := client.ObjectKeyFromObject(ws), time.Now()
	if status.ProgressOnly(&before.Status, st) {
		if wait := r.statusWrites.wait(key, written); wait > 0 {
			return wait, nil
		}
	}
	r.recordSettled(&before.Status, ws, st, res.resume)
	ws.Status = *st
	if err := r.Client.Status().Patch(ctx, ws, client.MergeFrom(before)); err != nil {
		return 0, client.IgnoreNotFound(fmt.Errorf("patching status: %w", err))
	}
	r.statusWrites.record(key, before.ResourceVersion, written)
	r.recordTransitions(ws, &before.Status, st)
	r.announceUpgrade(ctx, ws, res.upgrade)
	return 0, nil
}
