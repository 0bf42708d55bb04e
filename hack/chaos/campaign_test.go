package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShortCampaign is make chaos in small, part of make test: three workspaces, six kills,
// one API server restart and one outage, and the same checks as the full campaign.
func TestShortCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("the short campaign takes about a minute")
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		// What 'make control-plane' built, so that plain 'go test ./hack/chaos/' works too.
		found, _ := filepath.Glob(filepath.Join("..", "..", "bin", "control-plane", "*", "kube-apiserver"))
		if len(found) == 0 {
			t.Skip("no kube-apiserver: run 'make test' (or 'make control-plane'), which builds kube-apiserver and etcd from source")
		}
		t.Setenv("KUBEBUILDER_ASSETS", filepath.Dir(found[len(found)-1]))
	}
	quietClientLogs()
	dir := t.TempDir()
	o := defaults()
	o.root = filepath.Join("..", "..")
	o.n, o.kills, o.seed = 3, 6, 1
	o.maxRun, o.maxPause, o.outage = 2*time.Second, time.Second, 3*time.Second
	o.timeout = 2 * time.Minute
	o.out, o.log = filepath.Join(dir, "chaos.json"), filepath.Join(dir, "operator.log")
	var table strings.Builder
	res, err := run(context.Background(), o, io.MultiWriter(&table))
	if err != nil {
		t.Fatalf("the campaign could not be carried out: %v%s", err, logTail(o.log))
	}
	t.Log(table.String())
	for _, f := range res.Failures {
		t.Error(f)
	}
	if t.Failed() {
		t.Log(logTail(o.log))
	}
	if res.KillsProvisioning+res.KillsUpgrade != 6 || res.APIServerRestarts != 1 || res.APIServerOutages != 1 {
		t.Errorf("kills %d + %d, API server restarts %d, outages %d; want 6 kills, one of each", res.KillsProvisioning, res.KillsUpgrade, res.APIServerRestarts, res.APIServerOutages)
	}
	if res.StepsSucceeded != 2*o.n {
		t.Errorf("%d upgrade steps succeeded, want %d (two per workspace)", res.StepsSucceeded, 2*o.n)
	}
}

// logTail returns the end of the operator's log for a failure message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\noperator log (end):\n" + string(b)
}
