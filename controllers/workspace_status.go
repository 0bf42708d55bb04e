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
