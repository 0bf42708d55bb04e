package controllers

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// serviceStatuses lists the enabled user-facing services with their address, version and the
// status of their condition, in component order. The version is the one the service has been
// seen running: the release's version once the service is Ready on it, the previously
// recorded one meanwhile (upgrades rely on it, e.g. Nextcloud moves one major at a time).
func serviceStatuses(in stack.Inputs, components []stack.Component, conds []metav1.Condition, previous []rathausv1alpha1.ServiceStatus) []rathausv1alpha1.ServiceStatus {
	running := map[string]string{}
	for _, p := range previous {
		running[p.Name] = p.Version
	}
	var out []rathausv1alpha1.ServiceStatus
	for _, c := range components {
		svc, ok := c.(stack.Service)
		if !ok {
			continue
		}
		name, url, enabled := svc.Endpoint(in)
		if !enabled {
			continue
		}
		ready := metav1.ConditionUnknown
		if cond := meta.FindStatusCondition(conds, svc.ConditionType()); cond != nil {
			ready = cond.Status
		}
		version := running[name]
		if ready == metav1.ConditionTrue {
			version = svc.Version(in)
		}
		out = append(out, rathausv1alpha1.ServiceStatus{Name: name, URL: url, Version: version, Ready: ready})
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
