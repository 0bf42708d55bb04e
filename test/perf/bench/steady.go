package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/test/framework"
)

// steadyAnnotation is what the steady-state pass changes on every workspace, so that each is
// reconciled once more with nothing to do.
const steadyAnnotation = "rathaus.io/bench-steady"

// steady measures a no-op reconcile: after the resync, it annotates every benchmark workspace
// (its own write, not the operator's), waits until the operator reconciled each once more and
// went quiet, and adds the pass's figures: reconcile latency of a reconcile that finds
// everything as desired, and its requests, which must hold no write.
func steady(ctx context.Context, o options) error {
	var res result
	if err := framework.ReadJSON(o.out, &res); err != nil {
		return fmt.Errorf("figures of the earlier phases: %w", err)
	}
	c, err := framework.Client(o.kubeconfig)
	if err != nil {
		return err
	}
	before, err := framework.Scrape(o.metricsURL)
	if err != nil {
		return err
	}
	start := time.Now()
	framework.Logf("steady state: asking the operator to reconcile each of %d settled workspaces once more", o.n)
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := c.List(ctx, &list, client.HasLabels{benchLabel}); err != nil {
		return err
	}
	stamp := strconv.FormatInt(start.UnixNano(), 10)
	for i := range list.Items {
		key := client.ObjectKeyFromObject(&list.Items[i])
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			var ws rathausv1alpha1.MunicipalityWorkspace
			if err := c.Get(ctx, key, &ws); err != nil {
				return err
			}
			if ws.Annotations == nil {
				ws.Annotations = map[string]string{}
			}
			ws.Annotations[steadyAnnotation] = stamp
			return c.Update(ctx, &ws)
		}); err != nil {
			return err
		}
	}
	m, err := waitQuiet(o, before.Sum(reconcileTotal, workspaceController)+float64(o.n), start)
	if err != nil {
		return err
	}
	return finishPhase(&res, &res.Steady, before, m, start, o, "the steady-state pass, a reconcile of each workspace with nothing to do,")
}

// waitQuiet waits until the workspace reconciles reached want and stayed put for 3 seconds.
func waitQuiet(o options, want float64, start time.Time) (framework.Metrics, error) {
	deadline := start.Add(o.timeout)
	last := -1.0
	for {
		m, err := framework.Scrape(o.metricsURL)
		if err != nil {
			return nil, err
		}
		n := m.Sum(reconcileTotal, workspaceController)
		if n >= want && n == last {
			return m, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the operator reconciled %.0f of %.0f within %s", n, want, o.timeout)
		}
		last = n
		time.Sleep(3 * time.Second)
	}
}

// capture writes the objects the operator created in the benchmark namespaces, as copies to
// apply, to o.objects, so that the baseline can run on a cluster of its own.
func capture(ctx context.Context, o options) error {
	c, err := framework.Client(o.kubeconfig)
	if err != nil {
		return err
	}
	copies, err := collect(ctx, c, o.n)
	if err != nil {
		return err
	}
	out := make([]capturedNamespace, len(copies))
	for i, cp := range copies {
		out[i] = capturedNamespace{Namespace: cp.namespace.Object}
		for _, u := range cp.objects {
			out[i].Objects = append(out[i].Objects, u.Object)
		}
	}
	f, err := os.Create(o.objects)
	if err != nil {
		return err
	}
	defer f.Close()
	framework.Logf("captured the objects of %d namespaces into %s", len(copies), o.objects)
	return json.NewEncoder(f).Encode(out)
}

// capturedNamespace is one namespace's copies as capture writes them.
type capturedNamespace struct {
	Namespace map[string]any   `json:"namespace"`
	Objects   []map[string]any `json:"objects"`
}

// captured reads what capture wrote.
func captured(path string) ([]namespaceCopy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var in []capturedNamespace
	if err := json.NewDecoder(f).Decode(&in); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	copies := make([]namespaceCopy, len(in))
	for i, ns := range in {
		copies[i].namespace = &unstructured.Unstructured{Object: ns.Namespace}
		for _, obj := range ns.Objects {
			copies[i].objects = append(copies[i].objects, &unstructured.Unstructured{Object: obj})
		}
	}
	return copies, nil
}
