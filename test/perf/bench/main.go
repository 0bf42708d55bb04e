// Command bench measures the operator at fleet scale on a running cluster, in two phases that
// test/perf/bench.sh runs around a restart of the operator:
//
//	-phase install  creates N workspaces (files, video, mail and media, size S, one namespace
//	                each), waits until all are Ready, and records the operator's figures for
//	                that: time, peak RSS, reconciles, API requests by verb, reconcile latency.
//	-phase resync   after the wrapper restarted the operator, waits until it reconciled every
//	                workspace and went quiet, records the same figures, prints both phases as a
//	                Markdown table and JSON, and fails if the resync wrote anything.
//	-phase steady   after the resync, annotates every workspace so that the operator
//	                reconciles each once more with nothing to do, and adds that pass's figures
//	                (the no-op reconcile's latency and requests); fails if it wrote.
//	-phase capture  writes the objects the operator created, as copies, to -objects.
//	-phase baseline after the wrapper stopped the operator (and, with -objects, started a
//	                cluster of its own), applies exactly the objects the operator created into
//	                N fresh namespaces with a plain server-side apply at the same concurrency
//	                budget, waits until their workloads are ready, and adds that time and the
//	                ratio operator / baseline to the figures.
//	-phase growth   reads the JSON files of runs of several N (-runs) and prints how the
//	                figures per workspace grow with N.
//
// make bench N=1000. docs/performance.md has the method and the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/kubeclient"
	"github.com/rathaus-io/rathaus/test/framework"
)

// benchLabel marks the benchmark's namespaces and workspaces.
const benchLabel = "rathaus.io/bench"

const (
	reconcileTotal = framework.ReconcileTotal
	reconcileTime  = framework.ReconcileTime
)

var workspaceController = framework.WorkspaceController

const settledReconciles = "rathaus_workspace_settled_reconciles_total"

type options struct {
	phase       string
	kubeconfig  string
	n           int
	platform    string
	metricsURL  string
	operatorPID int
	install     string
	out         string
	timeout     time.Duration
	// The operator's concurrency budget, which the baseline gets too.
	workers int
	qps     float64
	burst   int
	// runs are the JSON files of earlier runs the growth phase compares.
	runs string
	// objects is the file capture writes and baseline reads; empty: baseline reads the cluster.
	objects string
}

// phase holds the operator's figures over one phase. Counters are increases over the phase.
type phase struct {
	Seconds float64 `json:"seconds"`
	// FirstReadySeconds and HalfReadySeconds (install only): when the first workspace, and
	// half of them, were Ready; as precise as the poll interval.
	FirstReadySeconds float64 `json:"firstReadySeconds,omitempty"`
	HalfReadySeconds  float64 `json:"halfReadySeconds,omitempty"`
	PeakRSSMiB        float64 `json:"peakRSSMiB"`
	Reconciles        int     `json:"reconciles"`
	// SettledReconciles are those that skipped rendering: nothing had changed since the
	// workspace settled (rathaus_workspace_settled_reconciles_total).
	SettledReconciles int            `json:"settledReconciles"`
	RequestsByMethod  map[string]int `json:"requestsByMethod"`
	// RequestsByResource counts requests by "METHOD resource" (rathaus_kube_api_requests_total).
	RequestsByResource   map[string]int `json:"requestsByResource,omitempty"`
	RequestsPerWorkspace float64        `json:"requestsPerWorkspace"`
	MutatingRequests     int            `json:"mutatingRequests"`
	MutatingPerWorkspace float64        `json:"mutatingPerWorkspace"`
	ReconcileSecondsP50  float64        `json:"reconcileSecondsP50"`
	ReconcileSecondsP99  float64        `json:"reconcileSecondsP99"`
}

// result is what the JSON file holds.
type result struct {
	Workspaces int    `json:"workspaces"`
	Services   string `json:"services"`
	Size       string `json:"size"`
	CPUs       int    `json:"cpus"`
	// OperatorGOMEMLIMIT is the soft memory limit the operator ran under (OPERATOR_GOMEMLIMIT
	// of make bench); empty for none.
	OperatorGOMEMLIMIT string    `json:"operatorGOMEMLIMIT,omitempty"`
	Install            phase     `json:"install"`
	Resync             *phase    `json:"resync,omitempty"`
	Steady             *phase    `json:"steady,omitempty"`
	Baseline           *baseline `json:"baseline,omitempty"`
}

func main() {
	// The benchmark reports through its table and JSON; controller-runtime's client would
	// otherwise print a stack trace because no logger is set.
	ctrllog.SetLogger(logr.Discard())
	var o options
	// Its own flag set: controller-runtime, imported for the operator's kinds and defaults,
	// registers --kubeconfig on the global one.
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.StringVar(&o.phase, "phase", "install", "install, resync, steady, capture, baseline or growth.")
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "Kubeconfig of the cluster.")
	fs.IntVar(&o.n, "n", 1000, "Number of workspaces.")
	fs.StringVar(&o.platform, "platform", "default", "WorkspacePlatform the workspaces run on.")
	fs.StringVar(&o.metricsURL, "metrics-url", "http://127.0.0.1:18080/metrics", "The operator's metrics endpoint.")
	fs.IntVar(&o.operatorPID, "operator-pid", 0, "Process id of the operator, to read its peak RSS (VmHWM); 0 skips it.")
	fs.StringVar(&o.install, "install", ".demo/bench-install.json", "Figures of the install phase (written by it, read by resync).")
	fs.StringVar(&o.out, "out", ".demo/bench.json", "JSON file for the figures of both phases (resync).")
	fs.DurationVar(&o.timeout, "timeout", time.Hour, "How long each phase may take.")
	fs.IntVar(&o.workers, "workers", controllers.DefaultMaxConcurrentReconciles, "The operator's --max-concurrent-reconciles; the baseline applies with as many workers.")
	fs.Float64Var(&o.qps, "qps", kubeclient.DefaultQPS, "The operator's --kube-api-qps; the baseline's client gets the same limit.")
	fs.IntVar(&o.burst, "burst", kubeclient.DefaultBurst, "The operator's --kube-api-burst.")
	fs.StringVar(&o.runs, "runs", "", "Comma-separated JSON files of runs of several N (growth).")
	fs.StringVar(&o.objects, "objects", "", "File of the operator's objects: written by capture, read by baseline (which otherwise reads the cluster).")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	var err error
	switch o.phase {
	case "install":
		err = install(context.Background(), o)
	case "resync":
		err = resync(context.Background(), o)
	case "steady":
		err = steady(context.Background(), o)
	case "capture":
		err = capture(context.Background(), o)
	case "baseline":
		err = runBaselinePhase(context.Background(), o)
	case "growth":
		err = runGrowth(o)
	default:
		err = fmt.Errorf("unknown -phase %q", o.phase)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func install(ctx context.Context, o options) error {
	if o.n < 1 {
		return errors.New("-n must be at least 1")
	}
	c, err := framework.Client(o.kubeconfig)
	if err != nil {
		return err
	}
	if err := framework.RefuseLeftovers(ctx, c, benchLabel); err != nil {
		return err
	}
	before, err := framework.Scrape(o.metricsURL)
	if err != nil {
		return err
	}
	framework.Logf("creating %d workspaces (files, video, mail, media; size S), one namespace each", o.n)
	start := time.Now()
	for i := range o.n {
		if err := create(ctx, c, name(i), o.platform); err != nil {
			return err
		}
	}
	first, half, err := waitReady(ctx, c, o, start)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	framework.Logf("all %d workspaces Ready after %.0fs", o.n, elapsed.Seconds())
	after, err := framework.Scrape(o.metricsURL)
	if err != nil {
		return err
	}
	p, err := figures(before, after, elapsed, o)
	if err != nil {
		return err
	}
	p.FirstReadySeconds, p.HalfReadySeconds = first, half
	return framework.WriteJSON(o.install, p)
}

func resync(ctx context.Context, o options) error {
	res := result{Workspaces: o.n, Services: "files, video, mail, media", Size: "S", CPUs: runtime.NumCPU(),
		OperatorGOMEMLIMIT: os.Getenv("OPERATOR_GOMEMLIMIT")}
	if err := framework.ReadJSON(o.install, &res.Install); err != nil {
		return fmt.Errorf("figures of the install phase: %w", err)
	}
	// The operator was just restarted: its counters start at zero, and the resync is all they
	// count. It is over when every workspace was reconciled and the count stays put.
	framework.Logf("waiting for the restarted operator to resync %d workspaces", o.n)
	start := time.Now()
	m, err := waitQuiet(o, float64(o.n), start)
	if err != nil {
		return fmt.Errorf("the restarted operator's resync: %w", err)
	}
	return finishPhase(&res, &res.Resync, nil, m, start, o, "the resync of a settled fleet")
}

// finishPhase adds a phase's figures (from before to m; the 3-second quiet wait at its end not
// counted) to res, reports them, and fails when the phase wrote: what resync and steady
// state, named by what, measure must send no mutating request.
func finishPhase(res *result, slot **phase, before, m framework.Metrics, start time.Time, o options, what string) error {
	p, err := figures(before, m, time.Since(start)-3*time.Second, o)
	if err != nil {
		return err
	}
	*slot = &p
	if err := report(*res, o); err != nil {
		return err
	}
	if p.MutatingRequests != 0 {
		return fmt.Errorf("%s sent %d mutating requests (%v); it must send none", what, p.MutatingRequests, p.RequestsByResource)
	}
	return nil
}

// report prints the figures so far and writes them to o.out.
func report(res result, o options) error {
	printTable(res)
	if err := framework.WriteJSON(o.out, res); err != nil {
		return err
	}
	framework.Logf("figures written to %s", o.out)
	return nil
}

// figures are the operator's figures between two scrapes (before nil: since it started).
func figures(before, after framework.Metrics, elapsed time.Duration, o options) (phase, error) {
	p := phase{Seconds: math.Round(elapsed.Seconds()*10) / 10}
	p.Reconciles = int(after.Sum(reconcileTotal, workspaceController) - before.Sum(reconcileTotal, workspaceController))
	p.SettledReconciles = int(after.Sum(settledReconciles, nil) - before.Sum(settledReconciles, nil))
	p.RequestsByMethod, p.MutatingRequests = framework.RequestsByMethod(before, after)
	p.RequestsByResource = framework.RequestsByResource(before, after)
	total := 0
	for _, v := range p.RequestsByMethod {
		total += v
	}
	p.RequestsPerWorkspace = math.Round(float64(total)/float64(o.n)*10) / 10
	p.MutatingPerWorkspace = math.Round(float64(p.MutatingRequests)/float64(o.n)*10) / 10
	buckets := framework.Delta(after.Buckets(reconcileTime, workspaceController), before.Buckets(reconcileTime, workspaceController))
	p.ReconcileSecondsP50 = round3(framework.Quantile(0.50, buckets))
	p.ReconcileSecondsP99 = round3(framework.Quantile(0.99, buckets))
	if o.operatorPID > 0 {
		kib, err := peakRSSKiB(o.operatorPID)
		if err != nil {
			return p, err
		}
		p.PeakRSSMiB = math.Round(float64(kib)/1024*10) / 10
	}
	return p, nil
}

func round3(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Round(v*1000) / 1000
}

// peakRSSKiB reads VmHWM, the process's peak resident set, from /proc/<pid>/status.
func peakRSSKiB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS of the operator: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func name(i int) string { return fmt.Sprintf("bench-%04d", i) }

func create(ctx context.Context, c client.Client, n, platform string) error {
	on := rathausv1alpha1.ServiceSwitch{Enabled: true}
	ws := framework.Workspace(n, benchLabel, "Benchmark", "example")
	ws.Spec.Platform = platform
	ws.Spec.Services = rathausv1alpha1.WorkspaceServices{
		Files: rathausv1alpha1.FilesService{ServiceSwitch: on},
		Video: rathausv1alpha1.VideoService{ServiceSwitch: on},
		Mail:  rathausv1alpha1.MailService{ServiceSwitch: on},
		Media: rathausv1alpha1.MediaService{ServiceSwitch: on},
	}
	ws.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
	return framework.Create(ctx, c, ws, benchLabel)
}

// waitReady polls until every benchmark workspace is Ready, and returns the seconds since
// start when the first and half of them were.
func waitReady(ctx context.Context, c client.Client, o options, start time.Time) (first, half float64, _ error) {
	deadline := time.Now().Add(o.timeout)
	last := -1
	for {
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := c.List(ctx, &list, client.HasLabels{benchLabel}); err != nil {
			return 0, 0, err
		}
		n := 0
		for i := range list.Items {
			if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, "Ready") {
				n++
			}
		}
		since := math.Round(time.Since(start).Seconds())
		if n > 0 && first == 0 {
			first = since
		}
		if 2*n >= o.n && half == 0 {
			half = since
		}
		if n != last {
			framework.Logf("%d of %d Ready", n, o.n)
			last = n
		}
		if n == o.n {
			return first, half, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("only %d of %d workspaces Ready after %s", n, o.n, o.timeout)
		}
		time.Sleep(pollInterval(o.n))
	}
}

// pollInterval is how often the benchmark lists the fleet while it waits: every 2 seconds for
// small runs, and less often for large ones, where each list of every workspace with its
// status is work for the API server that the figures would otherwise include.
func pollInterval(n int) time.Duration {
	return max(2*time.Second, time.Duration(n)*10*time.Millisecond)
}

func printTable(r result) {
	var t framework.Table
	t.Row("Workspaces", "%d (%s; size %s; one namespace each)", r.Workspaces, r.Services, r.Size)
	t.Row("CPUs", "%d", r.CPUs)
	if r.OperatorGOMEMLIMIT != "" {
		t.Row("Operator's GOMEMLIMIT", "%s", r.OperatorGOMEMLIMIT)
	}
	both := func(name, format string, f func(phase) any) {
		resync, steady := "–", "–"
		if r.Resync != nil {
			resync = fmt.Sprintf(format, f(*r.Resync))
		}
		if r.Steady != nil {
			steady = fmt.Sprintf(format, f(*r.Steady))
		}
		t.Row(name, "%s / %s / %s", fmt.Sprintf(format, f(r.Install)), resync, steady)
	}
	t.Row("Phase", "install / resync after restart / steady state (each workspace reconciled once more)")
	both("Time (until all Ready / until quiet)", "%.0fs", func(p phase) any { return p.Seconds })
	t.Row("Install: first / half Ready after", "%.0fs / %.0fs", r.Install.FirstReadySeconds, r.Install.HalfReadySeconds)
	both("Operator peak RSS (VmHWM)", "%.0f MiB", func(p phase) any { return p.PeakRSSMiB })
	both("Reconciles (municipalityworkspace)", "%d", func(p phase) any { return p.Reconciles })
	both("of which skipped rendering (settled)", "%d", func(p phase) any { return p.SettledReconciles })
	both("Reconcile p50", "%.3fs", func(p phase) any { return p.ReconcileSecondsP50 })
	both("Reconcile p99", "%.3fs", func(p phase) any { return p.ReconcileSecondsP99 })
	both("API requests by verb", "%s", func(p phase) any { return verbs(p.RequestsByMethod) })
	both("Mutating requests", "%d", func(p phase) any { return p.MutatingRequests })
	both("Mutating requests per workspace", "%.1f", func(p phase) any { return p.MutatingPerWorkspace })
	both("Requests per workspace", "%.1f", func(p phase) any { return p.RequestsPerWorkspace })
	if b := r.Baseline; b != nil {
		t.Row("Baseline: plain server-side apply of the same objects", "%d objects, %d workers, %g requests/s (burst %d)", b.Objects, b.Workers, b.QPS, b.Burst)
		t.Row("Baseline time (until every workload ready / applying)", "%.0fs / %.0fs", b.Seconds, b.ApplySeconds)
		t.Row("Ratio operator install / baseline", "%.2f", b.Ratio)
	}
	t.Print(os.Stdout)
}

func verbs(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
