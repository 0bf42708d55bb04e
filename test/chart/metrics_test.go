package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// contract lists the metrics the operator exports (internal/metrics and controller-runtime),
// as agreed for the alerts and the dashboard; a histogram's series carry suffixes.
var contract = map[string]bool{
	"rathaus_workspace_condition":                    true,
	"rathaus_workspace_info":                         true,
	"rathaus_workspace_service_ready":                true,
	"rathaus_upgrade_steps_total":                    true,
	"rathaus_workspace_time_to_ready_seconds_bucket": true,
	"rathaus_workspace_time_to_ready_seconds_sum":    true,
	"rathaus_workspace_time_to_ready_seconds_count":  true,
	"rathaus_kube_api_requests_total":                true,
	"controller_runtime_reconcile_total":             true,
	"controller_runtime_reconcile_errors_total":      true,
}

var metricName = regexp.MustCompile(`\b(rathaus|controller_runtime)_[a-z_]+\b`)

// TestQueriesUseExportedMetrics: every query of the dashboard and the alerts names a metric
// the operator exports, so a typo cannot leave a panel empty or an alert silent.
func TestQueriesUseExportedMetrics(t *testing.T) {
	var queries []string

	raw, err := os.ReadFile(filepath.Join(chartDir, "files", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dashboard struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		t.Fatalf("files/dashboard.json: %v", err)
	}
	for _, p := range dashboard.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			queries = append(queries, tg.Expr)
		}
	}

	rule := find(split(t, render(t, chartDir, "--set", "prometheusRule.enabled=true")), "PrometheusRule", "")
	groups, _, _ := unstructured.NestedSlice(rule.obj.Object, "spec", "groups")
	for _, g := range groups {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			queries = append(queries, r.(map[string]any)["expr"].(string))
		}
	}

	used := map[string]bool{}
	for _, q := range queries {
		for _, m := range metricName.FindAllString(q, -1) {
			used[m] = true
			if !contract[m] {
				t.Errorf("query uses %s, which the operator does not export: %s", m, strings.TrimSpace(q))
			}
		}
	}
	for _, m := range []string{"rathaus_workspace_condition", "rathaus_workspace_info", "rathaus_workspace_service_ready",
		"rathaus_upgrade_steps_total", "rathaus_workspace_time_to_ready_seconds_bucket", "controller_runtime_reconcile_errors_total"} {
		if !used[m] {
			t.Errorf("neither dashboard nor alerts show %s", m)
		}
	}
}
