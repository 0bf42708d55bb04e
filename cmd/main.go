// Command manager runs the rathaus operator.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/kubeclient"
	"github.com/rathaus-io/rathaus/internal/memlimit"
	"github.com/rathaus-io/rathaus/internal/metrics"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == CheckGaiaXCommand {
		if err := checkGaiaX(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == RestoreCredentialsCommand {
		if err := restoreCredentials(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var opts controllers.Options
	var qps, memoryRatio float64
	var burst int
	flag.StringVar(&opts.MetricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 disables it.")
	flag.BoolVar(&opts.MetricsSecure, "metrics-secure", true, "Serve metrics over HTTPS to requesters allowed to GET /metrics (TokenReview and SubjectAccessReview); false only for a loopback address.")
	flag.StringVar(&opts.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.BoolVar(&opts.LeaderElection, "leader-elect", false, "Elect a leader, so that several replicas can run with one active.")
	flag.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease; the operator's own namespace when empty.")
	flag.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", controllers.DefaultMaxConcurrentReconciles, "Workspaces reconciled in parallel.")
	flag.DurationVar(&opts.SyncPeriod, "sync-period", 10*time.Hour, "Interval of full resyncs of every workspace.")
	flag.Float64Var(&qps, "kube-api-qps", kubeclient.DefaultQPS, "Sustained requests per second to the Kubernetes API, for the operator as a whole.")
	flag.IntVar(&burst, "kube-api-burst", kubeclient.DefaultBurst, "Burst of requests to the Kubernetes API, for the operator as a whole.")
	flag.StringVar(&opts.PprofAddr, "pprof-bind-address", "", "Address to serve Go's profiles (/debug/pprof/) on, e.g. 127.0.0.1:6060, for measuring; off when empty.")
	flag.StringVar(&opts.OperatorImage, "operator-image", os.Getenv("RATHAUS_OPERATOR_IMAGE"), "The operator's own image, which a restore's Job runs to put a workspace's credentials back; without it, credentials are not restored.")
	flag.Float64Var(&memoryRatio, "memory-limit-ratio", 0.9, "Share of the container's memory limit the Go runtime keeps its heap within (GOMEMLIMIT), and at most the limit less 64 MiB for the operator's code, unless GOMEMLIMIT is set; 0 leaves the runtime's default.")
	zapOpts := logOptions(flag.CommandLine)
	flag.Parse()

	logger := zap.New(zap.UseFlagOptions(zapOpts))
	ctrl.SetLogger(logger)
	// client-go (leader election, watch errors) logs through klog: the same format and sink.
	klog.SetLogger(logger)
	log := ctrl.Log.WithName("setup")
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit, ok := memlimit.FromCgroup(os.DirFS("/")); ok {
			if soft := memlimit.Soft(limit, memoryRatio); soft > 0 {
				debug.SetMemoryLimit(soft)
				log.Info("Soft memory limit set from the container's", "containerLimitBytes", limit, "softLimitBytes", soft)
			}
		}
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "Unable to load a kubeconfig")
		os.Exit(1)
	}
	kubeclient.LimitRequests(cfg, float32(qps), burst)
	cfg.UserAgent = "rathaus-operator"
	metrics.CountRequests(cfg)

	mgr, err := controllers.NewManager(cfg, opts)
	if err != nil {
		log.Error(err, "Unable to set up the manager")
		os.Exit(1)
	}
	log.Info("Starting manager", "maxConcurrentReconciles", opts.MaxConcurrentReconciles, "qps", qps, "burst", burst)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}

// logOptions binds the --zap-* flags with the operator's defaults: production logging, one
// JSON object per line with ISO 8601 times, for log collectors; --zap-devel gives coloured
// console lines for a terminal (make run).
func logOptions(fs *flag.FlagSet) *zap.Options {
	opts := &zap.Options{TimeEncoder: zapcore.ISO8601TimeEncoder}
	opts.BindFlags(fs)
	return opts
}
