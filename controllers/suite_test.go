package controllers_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/metrics"
)

var (
	testEnv *envtest.Environment
	cfg     *rest.Config
	k8s     client.Client // uncached, as a user would see the cluster
	stopMgr context.CancelFunc
	mgrDone chan struct{}
	// clearingHouse is the Gaia-X compliance service the operator submits to.
	clearingHouse = newFakeClearingHouse()
)

func TestControllers(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		// What 'make control-plane' built, so that plain 'go test ./controllers/' works too.
		found, _ := filepath.Glob(filepath.Join("..", "bin", "control-plane", "*", "kube-apiserver"))
		if len(found) == 0 {
			t.Skip("no kube-apiserver: run 'make test' (or 'make control-plane'), which builds kube-apiserver and etcd from source")
		}
		t.Setenv("KUBEBUILDER_ASSETS", filepath.Dir(found[len(found)-1]))
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(io.MultiWriter(GinkgoWriter, &operatorLog)), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8s, err = client.New(cfg, client.Options{Scheme: controllers.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	installAdmissionPolicies(context.Background())
	startManager()
})

var _ = AfterSuite(func() {
	stopManager()
	Expect(testEnv.Stop()).To(Succeed())
})

// startManager runs the operator exactly as cmd/main.go builds it, with its API requests
// counted, against the envtest API server.
func startManager() { startManagerOf("") }

// startManagerOf starts the operator as the build named buildID; "" is this test binary.
func startManagerOf(buildID string) {
	mgrCfg := rest.CopyConfig(cfg)
	metrics.CountRequests(mgrCfg)
	// Every write of the operator appears in a failing spec's timeline.
	mgrCfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodGet {
				GinkgoWriter.Printf("operator request: %s %s\n", req.Method, req.URL.Path)
			}
			return rt.RoundTrip(req)
		})
	})
	mgr, err := controllers.NewManager(mgrCfg, controllers.Options{
		MetricsAddr: "0", ProbeAddr: "0", MaxConcurrentReconciles: 4, SyncPeriod: time.Hour,
		SkipNameValidation: true, OperatorImage: "ghcr.io/rathaus-io/rathaus:0.1.0",
		ComplianceHTTP: clearingHouse.server.Client(), BuildID: buildID,
	})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	stopMgr = cancel
	mgrDone = make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(mgrDone)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func stopManager() {
	stopMgr()
	Eventually(mgrDone).Should(BeClosed())
}
