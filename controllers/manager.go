package controllers

import (
	"cmp"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/buildid"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
)

// DefaultMaxConcurrentReconciles is how many workspaces the operator reconciles in parallel
// unless told otherwise, chosen from make bench (docs/performance.md); its request limit is
// kubeclient.DefaultQPS and DefaultBurst.
const DefaultMaxConcurrentReconciles = 8

// Options are the manager's tunables; cmd/main.go exposes each as a flag.
type Options struct {
	MetricsAddr string
	// MetricsSecure serves metrics over HTTPS to requesters the API server authenticates and
	// authorizes for GET /metrics (TokenReview, SubjectAccessReview), as kubebuilder's
	// default does; off only for a loopback address on a developer's machine.
	MetricsSecure           bool
	ProbeAddr               string
	LeaderElection          bool
	LeaderElectionNamespace string
	MaxConcurrentReconciles int
	SyncPeriod              time.Duration
	// Now is the clock of condition transitions; time.Now when nil.
	Now func() time.Time
	// SkipNameValidation lets tests run several managers, one after another, in one process.
	SkipNameValidation bool
	// OperatorImage is the operator's own image, which the Job restoring a workspace's
	// credentials runs (cmd: restore-credentials); empty when unknown.
	OperatorImage string
	// PprofAddr serves Go's profiles (/debug/pprof/) when set, for measuring; off by default.
	PprofAddr string
	// BuildID names the operator's build in what it records for its next start
	// (status.settledDigest); the digest of its executable when empty.
	BuildID string
	// ComplianceHTTP is the HTTP client of submissions to Gaia-X compliance services; one
	// with a 30 s timeout and the system's trust store when nil.
	ComplianceHTTP *http.Client
}

// Scheme returns the scheme with the Kubernetes and rathaus kinds.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(rathausv1alpha1.AddToScheme(s))
	return s
}

// cacheOptions: the cache holds the rathaus kinds and, of every other kind, only objects
// labelled as managed by rathaus, trimmed to what the operator reads (trimForCache): memory
// grows with the operator's own objects, not with the cluster.
func cacheOptions(opts Options) cache.Options {
	everything := cache.ByObject{Label: labels.Everything()}
	return cache.Options{
		SyncPeriod:           &opts.SyncPeriod,
		DefaultLabelSelector: ownership.ManagedSelector(),
		DefaultTransform:     trimForCache,
		ByObject: map[client.Object]cache.ByObject{
			&rathausv1alpha1.MunicipalityWorkspace{}: everything,
			&rathausv1alpha1.WorkspacePlatform{}:     everything,
			&rathausv1alpha1.StackRelease{}:          everything,
			// All nodes, for data residency; without their image lists, the bulk of a node.
			&corev1.Node{}:            {Label: labels.Everything(), Transform: stripNodeImages},
			&storagev1.StorageClass{}: everything,
			// Pods only of backup runs, for their summaries; not the workspaces' others.
			&corev1.Pod{}: {Label: backup.Pods(), Transform: stripBackupPod},
		},
	}
}

// MetricsServerOptions serves metrics where opts say, behind authentication and authorization when
// MetricsSecure (a self-signed certificate; Prometheus scrapes with its ServiceAccount token).
func MetricsServerOptions(opts Options) metricsserver.Options {
	o := metricsserver.Options{BindAddress: opts.MetricsAddr}
	if opts.MetricsSecure {
		o.SecureServing = true
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return o
}

// NewManager builds the operator's manager with its reconcilers.
func NewManager(cfg *rest.Config, opts Options) (ctrl.Manager, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  Scheme(),
		Metrics:                 MetricsServerOptions(opts),
		HealthProbeBindAddress:  opts.ProbeAddr,
		PprofBindAddress:        opts.PprofAddr,
		LeaderElection:          opts.LeaderElection,
		LeaderElectionID:        "rathaus.rathaus.io",
		LeaderElectionNamespace: opts.LeaderElectionNamespace,
		Controller:              config.Controller{SkipNameValidation: &opts.SkipNameValidation},
		Cache:                   cacheOptions(opts),
		// Other operators' objects (cert-manager's Certificates, CloudNativePG's Clusters) are
		// read as unstructured; from the cache too, so that a reconcile with nothing to do
		// costs no request for them.
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	secrets := newPlatformSecrets(clientset, mgr.GetCache(), desired.Components)
	if err := mgr.Add(secrets); err != nil {
		return nil, err
	}
	r := &WorkspaceReconciler{
		platformSecrets: secrets,
		Client:          mgr.GetClient(),
		APIReader:       mgr.GetAPIReader(),
		Recorder:        mgr.GetEventRecorder("rathaus"),
		Components:      desired.Components,
		Now:             opts.Now,
		OperatorImage:   opts.OperatorImage,
		BuildID:         cmp.Or(opts.BuildID, buildid.Executable()),
		capabilities:    newCapabilities(mgr.GetRESTMapper(), opts.Now),
		compliance:      newComplianceSubmitter(opts.ComplianceHTTP),
	}
	if err := r.SetupWithManager(mgr, controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}); err != nil {
		return nil, err
	}
	if err := mgr.Add(workspaceMetrics{collector: &metrics.WorkspaceCollector{
		Lister: cacheLister{reader: mgr.GetCache()},
		Log:    mgr.GetLogger().WithName("metrics"),
	}}); err != nil {
		return nil, err
	}
	discover, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	platforms := &PlatformReconciler{
		Client: mgr.GetClient(),
		ServerVersion: func() (string, error) {
			v, err := discover.ServerVersion()
			if err != nil {
				return "", err
			}
			return v.GitVersion, nil
		},
		Now: func() metav1.Time { return metav1.NewTime(opts.Now()) },
	}
	if err := platforms.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	return mgr, nil
}

// stripNodeImages drops what the operator never reads of a Node before it is cached.
func stripNodeImages(obj any) (any, error) {
	if n, ok := obj.(*corev1.Node); ok {
		n.Status.Images = nil
		n.ManagedFields = nil
	}
	return obj, nil
}
