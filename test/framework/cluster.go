package framework

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/kubeclient"
)

// Client connects to the cluster of kubeconfig with the rathaus kinds known, at the same
// client rate limit as the operator's defaults (50 requests/s, burst 100), so a benchmark's own
// requests do not outpace what it measures.
func Client(kubeconfig string) (client.WithWatch, error) {
	return ClientWithLimit(kubeconfig, kubeclient.DefaultQPS, kubeclient.DefaultBurst)
}

// ClientWithLimit is Client at the given client rate limit.
func ClientWithLimit(kubeconfig string, qps float32, burst int) (client.WithWatch, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	// As the operator's: one limit for all kinds, not one per kind.
	kubeclient.LimitRequests(cfg, qps, burst)
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

// Workspace is the base of a benchmark's workspace n: alone in namespace n, labelled label,
// size S, on domain n + "." + zone; the caller adds services, release and policies.
func Workspace(n, label, displayPrefix, zone string) *rathausv1alpha1.MunicipalityWorkspace {
	return &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: n, Name: n, Labels: map[string]string{label: "true"}},
		Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
			DisplayName: displayPrefix + " " + n,
			Domain:      n + "." + zone,
			Size:        rathausv1alpha1.SizeS,
		},
	}
}

// Create creates the workspace's namespace, labelled label, and the workspace. Both may exist
// already, so that a create can be retried.
func Create(ctx context.Context, c client.Client, ws *rathausv1alpha1.MunicipalityWorkspace, label string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ws.Namespace, Labels: map[string]string{label: "true"}}}
	if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("namespace %s: %w", ws.Namespace, err)
	}
	if err := c.Create(ctx, ws); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("workspace %s: %w", ws.Name, err)
	}
	return nil
}
