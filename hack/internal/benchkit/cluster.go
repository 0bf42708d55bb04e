package benchkit

import (
	"context"
	"fmt"

	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Client connects to the cluster of kubeconfig with the rathaus kinds known, at the same
// client rate limit as the operator's defaults (50 requests/s, burst 100), so a benchmark's own
// requests do not outpace what it measures.
func Client(kubeconfig string) (client.WithWatch, error) {
	return ClientWithLimit(kubeconfig, 50, 100)
}

// ClientWithLimit is Client at the given client rate limit.
func ClientWithLimit(kubeconfig string, qps float32, burst int) (client.WithWatch, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = qps, burst
	scheme := clientgoscheme.Scheme
	if err := rathausv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return client.NewWithWatch(cfg, client.Options{Scheme: scheme})
}

// RefuseLeftovers fails when workspaces labelled label exist: figures of a run on top of an
// earlier one would mean nothing.
func RefuseLeftovers(ctx context.Context, c client.Client, label string) error {
	var existing rathausv1alpha1.MunicipalityWorkspaceList
	if err := c.List(ctx, &existing, client.HasLabels{label}); err != nil {
		return err
	}
	if len(existing.Items) > 0 {
		return fmt.Errorf("%d workspaces of an earlier run exist (label %s); start from a fresh cluster (make demo-down)", len(existing.Items), label)
	}
	return nil
}
