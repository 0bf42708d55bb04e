// Command upgrade measures a fleet upgrade on a running cluster with the operator: it
// creates N workspaces pinned to an old release, waits until they are Ready on it, repins them
// all to a new release at once, and follows them through the watch until every one is Ready
// and UpToDate on the new release. It prints a Markdown table and writes the figures as JSON.
//
// test/perf/bench-upgrade.sh starts the simulated cluster and the operator and runs it
// (make bench-upgrade N=200). docs/upgrades.md (Benchmark) records results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/test/framework"
)

// benchLabel marks the benchmark's namespaces and workspaces.
const benchLabel = "rathaus.io/bench-upgrade"

type options struct {
	kubeconfig    string
	n             int
	maxConcurrent int
	from, to      string
	platform      string
	metricsURL    string
	out           string
	timeout       time.Duration
}

// result is what the JSON file holds.
type result struct {
	Workspaces            int            `json:"workspaces"`
	MaxConcurrent         int            `json:"maxConcurrent"`
	From                  string         `json:"from"`
	To                    string         `json:"to"`
	CPUs                  int            `json:"cpus"`
	InstallSeconds        float64        `json:"installSeconds"`
	UpgradeSeconds        float64        `json:"upgradeSeconds"`
	PeakConcurrent        int            `json:"peakConcurrent"`
	PeakAfterSeconds      float64        `json:"peakAfterSeconds"`
	LimitExceeded         bool           `json:"limitExceeded"`
	StepsSucceeded        int            `json:"stepsSucceeded"`
	StepsExpected         int            `json:"stepsExpected"`
	StepsFailed           int            `json:"stepsFailed"`
	StepsHalted           int            `json:"stepsHalted"`
	StepSecondsP50        float64        `json:"stepSecondsP50"`
	StepSecondsP95        float64        `json:"stepSecondsP95"`
	StepSecondsMax        float64        `json:"stepSecondsMax"`
	WatchEvents           int            `json:"watchEvents"`
	Contradictions        int            `json:"contradictions"`
	ContradictionExamples []string       `json:"contradictionExamples,omitempty"`
	MetricStepsByResult   map[string]int `json:"metricStepsByResult,omitempty"`
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "Kubeconfig of the cluster.")
	flag.IntVar(&o.n, "n", 200, "Number of workspaces.")
	flag.IntVar(&o.maxConcurrent, "max-concurrent", 20, "The platform's spec.upgrades.maxConcurrent.")
	flag.StringVar(&o.from, "from", "2026.8.0", "Release the workspaces start on.")
	flag.StringVar(&o.to, "to", "2026.11.0", "Release they are moved to.")
	flag.StringVar(&o.platform, "platform", "default", "WorkspacePlatform the workspaces run on.")
	flag.StringVar(&o.metricsURL, "metrics-url", "", "The operator's metrics endpoint, to read rathaus_upgrade_steps_total; empty skips it.")
	flag.StringVar(&o.out, "out", ".demo/bench-upgrade.json", "JSON file for the figures.")
	flag.DurationVar(&o.timeout, "timeout", time.Hour, "How long installing and upgrading may take, each.")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-upgrade:", err)
		os.Exit(1)
	}
}

var logf = framework.Logf

func run(ctx context.Context, o options) error {
	c, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	res := result{Workspaces: o.n, MaxConcurrent: o.maxConcurrent, From: o.from, To: o.to, CPUs: runtime.NumCPU()}
	if res.InstallSeconds, err = install(ctx, c, o); err != nil {
		return err
	}
	before, err := scrapeSteps(o.metricsURL)
	if err != nil {
		return err
	}
	tr, list, upgradeStart, err := upgradeAll(ctx, c, o)
	if err != nil {
		return err
	}
	res.UpgradeSeconds = time.Since(upgradeStart).Seconds()
	summarize(&res, tr, list.Items, upgradeStart)
	after, err := scrapeSteps(o.metricsURL)
	if err != nil {
		return err
	}
	if after != nil {
		res.MetricStepsByResult = map[string]int{}
		for k, v := range after {
			res.MetricStepsByResult[k] = v - before[k]
		}
	}
	return report(res, o)
}

// prepare checks the options and the cluster (no leftovers, both releases published) and
// sets the platform's concurrency limit.
func prepare(ctx context.Context, o options) (client.WithWatch, error) {
	if o.n < 1 || o.maxConcurrent < 1 {
		return nil, errors.New("-n and -max-concurrent must be at least 1")
	}
	c, err := framework.Client(o.kubeconfig)
	if err != nil {
		return nil, err
	}
	if err := framework.RefuseLeftovers(ctx, c, benchLabel); err != nil {
		return nil, err
	}
	for _, v := range []string{o.from, o.to} {
		if err := c.Get(ctx, client.ObjectKey{Name: v}, &rathausv1alpha1.StackRelease{}); err != nil {
			return nil, fmt.Errorf("release %s: %w", v, err)
		}
	}
	logf("setting maxConcurrent %d on WorkspacePlatform %s", o.maxConcurrent, o.platform)
	patch := fmt.Sprintf(`{"spec":{"upgrades":{"maxConcurrent":%d}}}`, o.maxConcurrent)
	wsp := &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: o.platform}}
	if err := c.Patch(ctx, wsp, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
		return nil, fmt.Errorf("setting the platform's limit: %w", err)
	}
	return c, nil
}

// install creates the workspaces on the old release and waits until all are Ready on it.
func install(ctx context.Context, c client.Client, o options) (float64, error) {
	logf("creating %d workspaces pinned to %s (files only, immediate, allowWithoutBackup)", o.n, o.from)
	start := time.Now()
	for i := range o.n {
		if err := create(ctx, c, name(i), o); err != nil {
			return 0, err
		}
	}
	if err := waitFor(ctx, c, o, "Ready on "+o.from, func(ws *rathausv1alpha1.MunicipalityWorkspace) bool {
		return settledOn(ws, o.from)
	}); err != nil {
		return 0, err
	}
	seconds := time.Since(start).Seconds()
	logf("all %d workspaces Ready on %s after %.0fs", o.n, o.from, seconds)
	return seconds, nil
}

// upgradeAll repins every workspace to the new release and follows the fleet until every
// one has finished; it returns what the tracker saw and the workspaces at the end.
func upgradeAll(ctx context.Context, c client.WithWatch, o options) (*tracker, *rathausv1alpha1.MunicipalityWorkspaceList, time.Time, error) {
	// The watch starts before the first repin, so that it sees every step from its start.
	list := &rathausv1alpha1.MunicipalityWorkspaceList{}
	if err := c.List(ctx, list, client.HasLabels{benchLabel}); err != nil {
		return nil, nil, time.Time{}, err
	}
	tr := newTracker()
	for i := range list.Items {
		tr.observe(&list.Items[i], time.Now())
	}
	wctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	done := make(chan error, 1)
	upgradeStart := time.Now()
	go func() { done <- follow(wctx, c, o, tr, list.ResourceVersion, upgradeStart) }()

	logf("repinning every workspace to %s (maxConcurrent %d)", o.to, o.maxConcurrent)
	for i := range o.n {
		ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: name(i), Name: name(i)}}
		p := fmt.Sprintf(`{"spec":{"release":{"version":%q}}}`, o.to)
		if err := c.Patch(ctx, ws, client.RawPatch("application/merge-patch+json", []byte(p))); err != nil {
			return nil, nil, time.Time{}, fmt.Errorf("repinning %s: %w", ws.Name, err)
		}
	}
	if err := <-done; err != nil {
		return nil, nil, time.Time{}, err
	}
	if err := c.List(ctx, list, client.HasLabels{benchLabel}); err != nil {
		return nil, nil, time.Time{}, err
	}
	return tr, list, upgradeStart, nil
}

// summarize puts the steps the workspaces recorded and the tracker saw into res.
func summarize(res *result, tr *tracker, items []rathausv1alpha1.MunicipalityWorkspace, upgradeStart time.Time) {
	// History times have whole seconds.
	since := upgradeStart.Truncate(time.Second)
	res.StepsSucceeded, res.StepsFailed = stepCounts(items, since)
	res.StepsExpected = 2 * res.Workspaces
	res.StepsHalted = len(tr.halted)
	res.PeakConcurrent = tr.peak
	res.PeakAfterSeconds = tr.peakAt.Sub(upgradeStart).Seconds()
	res.LimitExceeded = tr.peak > res.MaxConcurrent
	res.WatchEvents = tr.events
	res.Contradictions = len(tr.contradictions)
	res.ContradictionExamples = tr.contradictions[:min(len(tr.contradictions), 10)]
	durations := tr.stepDurations(items, since)
	res.StepSecondsP50 = percentile(durations, 50).Seconds()
	res.StepSecondsP95 = percentile(durations, 95).Seconds()
	res.StepSecondsMax = percentile(durations, 100).Seconds()
}

// report prints the table, writes the figures and fails the run on what must not happen.
func report(res result, o options) error {
	printTable(os.Stdout, res)
	if m := res.MetricStepsByResult; m != nil && (m["started"] != res.StepsSucceeded+res.StepsFailed || m["succeeded"] != res.StepsSucceeded) {
		// Not a failure of the fleet, but the metric does not count what happened.
		logf("warning: rathaus_upgrade_steps_total rose by started %d, succeeded %d, but the workspaces recorded %d steps (%d succeeded)",
			m["started"], m["succeeded"], res.StepsSucceeded+res.StepsFailed, res.StepsSucceeded)
	}
	if err := framework.WriteJSON(o.out, res); err != nil {
		return err
	}
	logf("figures written to %s", o.out)
	var problems []string
	if res.LimitExceeded {
		problems = append(problems, fmt.Sprintf("%d workspaces were in a step at once, over the limit of %d", res.PeakConcurrent, o.maxConcurrent))
	}
	if res.StepsFailed > 0 || res.StepsHalted > 0 {
		problems = append(problems, fmt.Sprintf("%d steps failed and %d halted", res.StepsFailed, res.StepsHalted))
	}
	if res.StepsSucceeded != res.StepsExpected {
		problems = append(problems, fmt.Sprintf("%d steps succeeded, expected %d", res.StepsSucceeded, res.StepsExpected))
	}
	if res.Contradictions > 0 {
		problems = append(problems, fmt.Sprintf("%d workspace states contradict their step, e.g. %s", res.Contradictions, res.ContradictionExamples[0]))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func name(i int) string { return fmt.Sprintf("bench-%03d", i) }

func create(ctx context.Context, c client.Client, n string, o options) error {
	ws := framework.Workspace(n, benchLabel, "Benchmark", "example")
	ws.Spec.Platform = o.platform
	ws.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: o.from}
	ws.Spec.Upgrades = rathausv1alpha1.UpgradePolicy{Immediate: true, AllowWithoutBackup: true}
	ws.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}
	ws.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
	return framework.Create(ctx, c, ws, benchLabel)
}

// settledOn: the workspace runs release v in full, is Ready and UpToDate, with no step.
func settledOn(ws *rathausv1alpha1.MunicipalityWorkspace, v string) bool {
	u := ws.Status.Upgrade
	return u != nil && u.Current == v && u.Step == nil && ws.Status.Release == v &&
		meta.IsStatusConditionTrue(ws.Status.Conditions, "Ready") &&
		meta.IsStatusConditionTrue(ws.Status.Conditions, "UpToDate")
}

// waitFor polls until every benchmark workspace satisfies ok.
func waitFor(ctx context.Context, c client.Client, o options, what string, ok func(*rathausv1alpha1.MunicipalityWorkspace) bool) error {
	deadline := time.Now().Add(o.timeout)
	last := -1
	for {
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := c.List(ctx, &list, client.HasLabels{benchLabel}); err != nil {
			return err
		}
		n := 0
		for i := range list.Items {
			if ok(&list.Items[i]) {
				n++
			}
		}
		if n != last {
			logf("%d of %d %s", n, o.n, what)
			last = n
		}
		if n == o.n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d workspaces %s after %s", n, o.n, what, o.timeout)
		}
		time.Sleep(2 * time.Second)
	}
}

// follow watches the workspaces, feeding every state to the tracker, until every one is
// settled on the new release. A closed watch is resumed from the last resource version, or
// from a fresh list when that version is gone.
func follow(ctx context.Context, c client.WithWatch, o options, tr *tracker, rv string, start time.Time) error {
	settled := map[string]bool{}
	lastReport := time.Now()
	for {
		w, err := c.Watch(ctx, &rathausv1alpha1.MunicipalityWorkspaceList{}, client.HasLabels{benchLabel},
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("only %d of %d workspaces settled on %s within %s", len(settled), o.n, o.to, o.timeout)
			}
			return err
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case watch.Error:
				if st, ok := ev.Object.(*metav1.Status); ok && st.Code == 410 {
					rv = ""
				}
				continue
			case watch.Bookmark:
				if ws, ok := ev.Object.(*rathausv1alpha1.MunicipalityWorkspace); ok {
					rv = ws.ResourceVersion
				}
				continue
			}
			ws, ok := ev.Object.(*rathausv1alpha1.MunicipalityWorkspace)
			if !ok {
				continue
			}
			rv = ws.ResourceVersion
			key := ws.Namespace + "/" + ws.Name
			if ev.Type == watch.Deleted {
				tr.forget(ws.Namespace, ws.Name)
				delete(settled, key)
				continue
			}
			inStep := tr.observe(ws, time.Now())
			if settledOn(ws, o.to) {
				settled[key] = true
			} else {
				delete(settled, key)
			}
			if time.Since(lastReport) > 10*time.Second {
				logf("%3.0fs: %d in a step (peak %d), %d of %d settled on %s", time.Since(start).Seconds(), inStep, tr.peak, len(settled), o.n, o.to)
				lastReport = time.Now()
			}
			if len(settled) == o.n {
				w.Stop()
				return nil
			}
		}
		w.Stop()
		if ctx.Err() != nil {
			return fmt.Errorf("only %d of %d workspaces settled on %s within %s", len(settled), o.n, o.to, o.timeout)
		}
		if rv == "" {
			// The version is gone: start over from a list; the states in it are new events.
			var list rathausv1alpha1.MunicipalityWorkspaceList
			if err := c.List(ctx, &list, client.HasLabels{benchLabel}); err != nil {
				return err
			}
			for i := range list.Items {
				tr.observe(&list.Items[i], time.Now())
			}
			rv = list.ResourceVersion
		}
	}
}

// scrapeSteps reads rathaus_upgrade_steps_total by result from the operator's metrics; nil
// without a URL.
func scrapeSteps(url string) (map[string]int, error) {
	m, err := framework.Scrape(url)
	if err != nil || m == nil {
		return nil, err
	}
	return steps(m), nil
}

// parseSteps picks the samples of rathaus_upgrade_steps_total out of the Prometheus text format.
func parseSteps(body []byte) map[string]int { return steps(framework.Parse(body)) }

func steps(m framework.Metrics) map[string]int {
	out := map[string]int{}
	for k, v := range m.By("rathaus_upgrade_steps_total", "result", nil) {
		out[k] = int(v)
	}
	return out
}

func printTable(w io.Writer, r result) {
	var t framework.Table
	row := t.Row
	row("Workspaces", "%d (files only, size S)", r.Workspaces)
	row("Upgrade", "%s → %s (via the mandatory stop)", r.From, r.To)
	row("maxConcurrent", "%d", r.MaxConcurrent)
	row("CPUs", "%d", r.CPUs)
	row("Install time (all Ready on "+r.From+")", "%.0fs", r.InstallSeconds)
	row("Upgrade time (repin to all Ready and UpToDate)", "%.0fs", r.UpgradeSeconds)
	row("Peak workspaces in a step", "%d (after %.0fs)", r.PeakConcurrent, r.PeakAfterSeconds)
	row("Limit exceeded", "%t", r.LimitExceeded)
	row("Steps succeeded", "%d of %d", r.StepsSucceeded, r.StepsExpected)
	row("Steps failed / halted", "%d / %d", r.StepsFailed, r.StepsHalted)
	row("Step duration p50 / p95 / max", "%.1fs / %.1fs / %.1fs", r.StepSecondsP50, r.StepSecondsP95, r.StepSecondsMax)
	row("Watch events seen", "%d", r.WatchEvents)
	row("States in a step that UpToDate calls waiting or up to date", "%d", r.Contradictions)
	if r.MetricStepsByResult != nil {
		row("rathaus_upgrade_steps_total (increase)", "started %d, succeeded %d, failed %d",
			r.MetricStepsByResult["started"], r.MetricStepsByResult["succeeded"], r.MetricStepsByResult["failed"])
	}
	t.Print(w)
}
