package e2e

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/testutil/rollout"
)

// observer watches, from before the first workspace exists until the end, the objects the
// operator manages (label app.kubernetes.io/managed-by=rathaus): data Secrets and claims go
// into the ledger on every event, workloads feed the readiness simulator. Its informers
// reconnect by themselves across API server restarts and outages.
type observer struct {
	cache  cache.Cache
	client client.Client
	ledger *ledger
}

func startObserver(ctx context.Context, cfg *rest.Config, c client.Client, l *ledger) (*observer, error) {
	ca, err := cache.New(cfg, cache.Options{Scheme: controllers.Scheme(), DefaultLabelSelector: ownership.ManagedSelector()})
	if err != nil {
		return nil, err
	}
	o := &observer{cache: ca, client: c, ledger: l}
	for _, obj := range []client.Object{&corev1.Secret{}, &corev1.PersistentVolumeClaim{}} {
		inf, err := ca.GetInformer(ctx, obj)
		if err != nil {
			return nil, err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { o.record(obj) },
			UpdateFunc: func(_, obj any) { o.record(obj) },
			DeleteFunc: o.forget,
		}); err != nil {
			return nil, err
		}
	}
	for _, obj := range []client.Object{&appsv1.Deployment{}, &appsv1.StatefulSet{}, &batchv1.Job{}} {
		if _, err := ca.GetInformer(ctx, obj); err != nil {
			return nil, err
		}
	}
	go func() { _ = ca.Start(ctx) }()
	if !ca.WaitForCacheSync(ctx) {
		return nil, ctx.Err()
	}
	return o, nil
}

// kindOf names the kinds the ledger holds.
func kindOf(obj any) (client.Object, string, map[string][]byte) {
	switch o := obj.(type) {
	case *corev1.Secret:
		return o, "Secret", o.Data
	case *corev1.PersistentVolumeClaim:
		return o, "PersistentVolumeClaim", nil
	}
	return nil, "", nil
}

func (o *observer) record(obj any) {
	co, kind, data := kindOf(obj)
	if co == nil || co.GetLabels()[ownership.DataLabel] != "true" {
		return
	}
	o.ledger.observe(kind, co.GetNamespace(), co.GetName(), co.GetUID(), data)
}

func (o *observer) forget(obj any) {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	co, kind, _ := kindOf(obj)
	if co == nil || co.GetLabels()[ownership.DataLabel] != "true" {
		return
	}
	o.ledger.deleted(kind, co.GetNamespace(), co.GetName())
}

// simulateReadiness plays the kubelet and the workload and volume controllers this control
// plane lacks, every interval until ctx ends: every Deployment and StatefulSet the operator
// manages reports its current generation rolled out with every replica available, every Job
// complete, every claim bound. It shows that the operator reaches Ready when its workloads
// do; it does not run a single container.
func (o *observer) simulateReadiness(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Errors (an API server that is down, a conflict with the operator) are retried on
		// the next tick.
		_ = o.markReady(ctx)
	}
}

func (o *observer) markReady(ctx context.Context) error {
	sel := client.MatchingLabelsSelector{Selector: labels.Everything()}
	var deployments appsv1.DeploymentList
	if err := o.cache.List(ctx, &deployments, sel); err != nil {
		return err
	}
	for i := range deployments.Items {
		d := deployments.Items[i].DeepCopy()
		want := rollout.Deployment(d)
		if d.Status.ObservedGeneration == want.ObservedGeneration && d.Status.UpdatedReplicas == want.Replicas && d.Status.AvailableReplicas == want.Replicas && d.Status.Replicas == want.Replicas {
			continue
		}
		d.Status = want
		_ = o.client.Status().Update(ctx, d)
	}
	var sets appsv1.StatefulSetList
	if err := o.cache.List(ctx, &sets, sel); err != nil {
		return err
	}
	for i := range sets.Items {
		s := sets.Items[i].DeepCopy()
		want := rollout.StatefulSet(s)
		if s.Status.ObservedGeneration == want.ObservedGeneration && s.Status.UpdatedReplicas == want.Replicas && s.Status.AvailableReplicas == want.Replicas && s.Status.Replicas == want.Replicas {
			continue
		}
		s.Status = want
		_ = o.client.Status().Update(ctx, s)
	}
	var jobs batchv1.JobList
	if err := o.cache.List(ctx, &jobs, sel); err != nil {
		return err
	}
	for i := range jobs.Items {
		j := jobs.Items[i].DeepCopy()
		if j.Status.Succeeded > 0 {
			continue
		}
		j.Status = rollout.Job(metav1.Now())
		_ = o.client.Status().Update(ctx, j)
	}
	// A backup CronJob's Job runs and succeeds, as CronJob's controller would record it.
	var cronJobs batchv1.CronJobList
	if err := o.cache.List(ctx, &cronJobs, sel); err != nil {
		return err
	}
	for i := range cronJobs.Items {
		cj := cronJobs.Items[i].DeepCopy()
		if cj.Status.LastSuccessfulTime != nil {
			continue
		}
		now := metav1.Now()
		cj.Status.LastScheduleTime, cj.Status.LastSuccessfulTime = &now, &now
		_ = o.client.Status().Update(ctx, cj)
	}
	var claims corev1.PersistentVolumeClaimList
	if err := o.cache.List(ctx, &claims, sel); err != nil {
		return err
	}
	for i := range claims.Items {
		c := claims.Items[i].DeepCopy()
		if c.Status.Phase == corev1.ClaimBound {
			continue
		}
		c.Status.Phase = corev1.ClaimBound
		_ = o.client.Status().Update(ctx, c)
	}
	return nil
}
