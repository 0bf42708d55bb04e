package framework

import (
	"math"
	"testing"
)

const sample = `# HELP controller_runtime_reconcile_total x
controller_runtime_reconcile_total{controller="municipalityworkspace",result="success"} 7
controller_runtime_reconcile_total{controller="municipalityworkspace",result="error"} 2
controller_runtime_reconcile_total{controller="workspaceplatform",result="success"} 5
rathaus_kube_api_requests_total{method="GET"} 10
rathaus_kube_api_requests_total{method="PATCH"} 3
controller_runtime_reconcile_time_seconds_bucket{controller="municipalityworkspace",le="0.1"} 50
controller_runtime_reconcile_time_seconds_bucket{controller="municipalityworkspace",le="0.5"} 90
controller_runtime_reconcile_time_seconds_bucket{controller="municipalityworkspace",le="+Inf"} 100
process_resident_memory_bytes 1.5e+07
`

func TestParseSumBy(t *testing.T) {
	m := Parse([]byte(sample))
	if got := m.Sum("controller_runtime_reconcile_total", map[string]string{"controller": "municipalityworkspace"}); got != 9 {
		t.Errorf("reconciles = %v, want 9", got)
	}
	if got := m.Sum("process_resident_memory_bytes", nil); got != 1.5e7 {
		t.Errorf("rss = %v", got)
	}
	by := m.By("rathaus_kube_api_requests_total", "method", nil)
	if by["GET"] != 10 || by["PATCH"] != 3 || len(by) != 2 {
		t.Errorf("by method = %v", by)
	}
}

func TestQuantile(t *testing.T) {
	b := Parse([]byte(sample)).Buckets("controller_runtime_reconcile_time_seconds", map[string]string{"controller": "municipalityworkspace"})
	for _, tc := range []struct{ q, want float64 }{
		{0.25, 0.05},                 // 25 of 50 in [0, 0.1]
		{0.7, 0.1 + 0.4*(70-50)/40.}, // in (0.1, 0.5]
		{0.99, 0.5},                  // in +Inf: the highest finite bound
	} {
		if got := Quantile(tc.q, b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	before := []Bucket{{0.1, 40}, {0.5, 40}, {math.Inf(1), 40}}
	d := Delta(b, before)
	if got := Quantile(0.5, d); math.Abs(got-(0.1+0.4*(30-10)/40.)) > 1e-9 {
		t.Errorf("delta p50 = %v", got)
	}
	if !math.IsNaN(Quantile(0.5, Delta(b, b))) {
		t.Error("empty histogram must give NaN")
	}
}

func TestRequestsByResource(t *testing.T) {
	before := Parse([]byte(`rathaus_kube_api_requests_total{method="GET",resource="secrets"} 10
rathaus_kube_api_requests_total{method="PATCH",resource="deployments.apps"} 3
`))
	after := Parse([]byte(`rathaus_kube_api_requests_total{method="GET",resource="secrets"} 10
rathaus_kube_api_requests_total{method="PATCH",resource="deployments.apps"} 5
rathaus_kube_api_requests_total{method="PATCH",resource="municipalityworkspaces.rathaus.io/status"} 1
`))
	got := RequestsByResource(before, after)
	if len(got) != 2 || got["PATCH deployments.apps"] != 2 || got["PATCH municipalityworkspaces.rathaus.io/status"] != 1 {
		t.Errorf("RequestsByResource = %v: only what grew, by method and resource", got)
	}
}
