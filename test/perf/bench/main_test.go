package main

import (
	"os"
	"testing"
	"time"

	"github.com/rathaus-io/rathaus/test/framework"
)

func TestPeakRSSOfThisProcess(t *testing.T) {
	kib, err := peakRSSKiB(os.Getpid())
	if err != nil || kib <= 0 {
		t.Fatalf("peakRSSKiB = %d, %v", kib, err)
	}
}

func TestFiguresAreIncreasesOverThePhase(t *testing.T) {
	before := framework.Parse([]byte(`controller_runtime_reconcile_total{controller="municipalityworkspace",result="success"} 3
controller_runtime_reconcile_total{controller="workspaceplatform",result="success"} 9
rathaus_kube_api_requests_total{method="GET"} 10
rathaus_kube_api_requests_total{method="PATCH"} 4
`))
	after := framework.Parse([]byte(`controller_runtime_reconcile_total{controller="municipalityworkspace",result="success"} 13
controller_runtime_reconcile_total{controller="workspaceplatform",result="success"} 20
rathaus_kube_api_requests_total{method="GET"} 30
rathaus_kube_api_requests_total{method="PATCH"} 4
rathaus_kube_api_requests_total{method="POST"} 5
`))
	p, err := figures(before, after, 2*time.Second, options{n: 5})
	if err != nil {
		t.Fatal(err)
	}
	if p.Reconciles != 10 || p.MutatingRequests != 5 || p.MutatingPerWorkspace != 1 ||
		p.RequestsByMethod["GET"] != 20 || len(p.RequestsByMethod) != 2 {
		t.Errorf("figures = %+v", p)
	}
	if got := verbs(p.RequestsByMethod); got != "GET 20, POST 5" {
		t.Errorf("verbs = %q", got)
	}
}
