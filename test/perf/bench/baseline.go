package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/test/framework"
)

// baselineOwner is the field manager of the baseline's applies.
const baselineOwner = "rathaus-baseline"

// baseline is what bounds the operator: the same objects, written by a plain server-side
// apply with the same concurrency budget, on the same cluster.
type baseline struct {
	// Seconds from the first apply until every Deployment and StatefulSet copied is ready, as
	// the operator's time runs until every workspace is Ready.
	Seconds float64 `json:"seconds"`
	// ApplySeconds is the part spent applying.
	ApplySeconds float64 `json:"applySeconds"`
	Objects      int     `json:"objects"`
	Requests     int64   `json:"requests"`
	Workers      int     `json:"workers"`
	QPS          float64 `json:"qps"`
	Burst        int     `json:"burst"`
	// Ratio is the operator's install time over the baseline's Seconds.
	Ratio float64 `json:"ratio"`
}

// copyName is the namespace a benchmark namespace's objects are copied into.
func copyName(i int) string { return fmt.Sprintf("base-%04d", i) }

// serverSet are annotations and labels other controllers put on objects after the operator
// applied them; a copy leaves them out, as the operator never sent them.
var serverSet = []string{
	"deployment.kubernetes.io/",
	"pv.kubernetes.io/",
	"volume.kubernetes.io/",
	"volume.beta.kubernetes.io/",
	"batch.kubernetes.io/",
	"controller-uid",
	"job-name",
	"kubernetes.io/metadata.name",
}

// copyFor turns a live object the operator created into what applying it again into
// namespace ns means: its kind, name, labels, annotations and spec or data, without the
// fields the API server or other controllers filled in (identity, status, allocated cluster
// IPs and node ports, bound volume names, a Job's generated selector). Pure, so that it is
// tested on its own.
func copyFor(live *unstructured.Unstructured, ns string) *unstructured.Unstructured {
	out := &unstructured.Unstructured{Object: map[string]any{}}
	for k, v := range live.Object {
		if k != "metadata" && k != "status" {
			out.Object[k] = v
		}
	}
	out = out.DeepCopy()
	out.SetName(live.GetName())
	if ns != "" {
		out.SetNamespace(ns)
	}
	out.SetLabels(withoutServerSet(live.GetLabels()))
	out.SetAnnotations(withoutServerSet(live.GetAnnotations()))
	switch live.GetKind() {
	case "Service":
		unstructured.RemoveNestedField(out.Object, "spec", "clusterIP")
		unstructured.RemoveNestedField(out.Object, "spec", "clusterIPs")
		unstructured.RemoveNestedField(out.Object, "spec", "healthCheckNodePort")
		if ports, ok, _ := unstructured.NestedSlice(out.Object, "spec", "ports"); ok {
			for _, p := range ports {
				if m, ok := p.(map[string]any); ok {
					delete(m, "nodePort")
				}
			}
			_ = unstructured.SetNestedSlice(out.Object, ports, "spec", "ports")
		}
	case "PersistentVolumeClaim":
		unstructured.RemoveNestedField(out.Object, "spec", "volumeName")
	case "Job":
		unstructured.RemoveNestedField(out.Object, "spec", "selector")
		if l, ok, _ := unstructured.NestedStringMap(out.Object, "spec", "template", "metadata", "labels"); ok {
			_ = unstructured.SetNestedStringMap(out.Object, withoutServerSet(l), "spec", "template", "metadata", "labels")
		}
	case "ServiceAccount":
		delete(out.Object, "secrets")
	}
	return out
}

func withoutServerSet(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !slices.ContainsFunc(serverSet, func(p string) bool { return strings.HasPrefix(k, p) }) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// namespaceCopy is one benchmark namespace's objects, ready to apply into its copy.
type namespaceCopy struct {
	namespace *unstructured.Unstructured
	objects   []*unstructured.Unstructured
}

// collect reads every object the operator created in the benchmark namespaces, in the order
// to create them in (what is used before what uses it).
func collect(ctx context.Context, c client.Client, n int) ([]namespaceCopy, error) {
	kinds, err := controllers.InventoryKinds()
	if err != nil {
		return nil, err
	}
	slices.Reverse(kinds)
	managed := client.MatchingLabels{ownership.ManagedByLabel: ownership.ManagedByValue}
	copies := make([]namespaceCopy, n)
	for i := range n {
		var ns corev1.Namespace
		if err := c.Get(ctx, client.ObjectKey{Name: name(i)}, &ns); err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind("Namespace")
		u.SetName(copyName(i))
		labels := withoutServerSet(ns.Labels)
		delete(labels, benchLabel)
		u.SetLabels(labels)
		copies[i].namespace = u
	}
	for _, gvk := range kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		// One list per kind for all namespaces, in pages, as the operator's cache reads them.
		err := c.List(ctx, list, managed, client.Limit(500))
		for err == nil {
			for i := range list.Items {
				idx, ok := indexOf(list.Items[i].GetNamespace(), name)
				if ok && idx < n {
					copies[idx].objects = append(copies[idx].objects, copyFor(&list.Items[i], copyName(idx)))
				}
			}
			if list.GetContinue() == "" {
				break
			}
			cont := list.GetContinue()
			list = &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			err = c.List(ctx, list, managed, client.Limit(500), client.Continue(cont))
		}
		if meta.IsNoMatchError(err) {
			continue // a foreign kind whose CRD this cluster does not have
		}
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", gvk.Kind, err)
		}
	}
	if len(copies) == 0 || len(copies[0].objects) == 0 {
		return nil, errors.New("no objects of the operator in the benchmark namespaces; the install phase has to run first")
	}
	return copies, nil
}

// indexOf is the i for which nameOf(i) is ns (name, copyName), read from ns's trailing digits.
func indexOf(ns string, nameOf func(int) string) (int, bool) {
	i, err := strconv.Atoi(strings.TrimLeftFunc(ns, func(r rune) bool { return !unicode.IsDigit(r) }))
	return i, err == nil && nameOf(i) == ns
}

// runBaseline applies the copies with workers in parallel, one namespace per worker at a
// time as the operator reconciles one workspace per worker, through a client at the
// operator's rate limit, and waits until every copied workload is ready.
func runBaseline(ctx context.Context, o options, copies []namespaceCopy) (baseline, error) {
	c, err := framework.ClientWithLimit(o.kubeconfig, float32(o.qps), o.burst)
	if err != nil {
		return baseline{}, err
	}
	b := baseline{Workers: o.workers, QPS: o.qps, Burst: o.burst}
	for _, cp := range copies {
		b.Objects += 1 + len(cp.objects)
	}
	framework.Logf("baseline: applying %d objects into %d namespaces with %d workers at %g requests/s (burst %d)", b.Objects, len(copies), o.workers, o.qps, o.burst)
	var requests atomic.Int64
	work := make(chan namespaceCopy)
	errs := make(chan error, o.workers)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.workers {
		wg.Go(func() {
			for cp := range work {
				for _, u := range append([]*unstructured.Unstructured{cp.namespace}, cp.objects...) {
					// Retried as the operator's reconciles are: quota admission answers a
					// conflict when the namespace's quota status moved under it.
					err := retry.OnError(retry.DefaultBackoff, transient, func() error {
						requests.Add(1)
						return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(baselineOwner), client.ForceOwnership)
					})
					if err != nil {
						errs <- fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
						return
					}
				}
			}
		})
	}
	var failed error
feed:
	for _, cp := range copies {
		select {
		case work <- cp:
		case failed = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	if failed == nil && len(errs) > 0 {
		failed = <-errs
	}
	if failed != nil {
		return b, failed
	}
	b.ApplySeconds = math.Round(time.Since(start).Seconds()*10) / 10
	b.Requests = requests.Load()
	framework.Logf("baseline: applied in %.0fs; waiting until every copied workload is ready", b.ApplySeconds)
	if err := waitWorkloads(ctx, c, len(copies), o.timeout); err != nil {
		return b, err
	}
	b.Seconds = math.Round(time.Since(start).Seconds()*10) / 10
	return b, nil
}

// transient are the errors a retry may get past.
func transient(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}

// waitWorkloads polls until every Deployment and StatefulSet in the copies' namespaces is
// ready as the operator judges its own (health.Of), so that both times end at the same mark.
func waitWorkloads(ctx context.Context, c client.Client, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var deps appsv1.DeploymentList
		var sets appsv1.StatefulSetList
		if err := c.List(ctx, &deps); err != nil {
			return err
		}
		if err := c.List(ctx, &sets); err != nil {
			return err
		}
		workloads := make([]client.Object, 0, len(deps.Items)+len(sets.Items))
		for i := range deps.Items {
			workloads = append(workloads, &deps.Items[i])
		}
		for i := range sets.Items {
			workloads = append(workloads, &sets.Items[i])
		}
		notReady := unready(workloads, n)
		if notReady == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("baseline: %d workloads not ready after %s", notReady, timeout)
		}
		time.Sleep(pollInterval(n))
	}
}

// unready counts the workloads in the first n copies' namespaces that are not ready.
func unready(workloads []client.Object, n int) int {
	count := 0
	for _, w := range workloads {
		if i, ok := indexOf(w.GetNamespace(), copyName); ok && i < n && !health.Of("workload", w.GetName(), w).Ready {
			count++
		}
	}
	return count
}

// runBaselinePhase adds the baseline to the figures of the install and resync phases.
func runBaselinePhase(ctx context.Context, o options) error {
	var res result
	err := framework.ReadJSON(o.out, &res)
	if err != nil {
		return fmt.Errorf("figures of the earlier phases: %w", err)
	}
	var copies []namespaceCopy
	if o.objects != "" {
		copies, err = captured(o.objects)
	} else {
		var c client.Client
		if c, err = framework.Client(o.kubeconfig); err == nil {
			copies, err = collect(ctx, c, o.n)
		}
	}
	if err != nil {
		return err
	}
	b, err := runBaseline(ctx, o, copies)
	if err != nil {
		return err
	}
	b.Ratio = math.Round(res.Install.Seconds/b.Seconds*100) / 100
	res.Baseline = &b
	return report(res, o)
}
