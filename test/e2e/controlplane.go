package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// controlPlane is etcd and kube-apiserver from KUBEBUILDER_ASSETS, started by envtest with the
// CRDs of config/crd/bases. The API server's directory (serving certificates, client CA,
// service account keys) is one the campaign chose, so that a stopped API server starts again
// on the same address with the same certificates, and every client, the operator's included,
// just reconnects.
type controlPlane struct {
	env *envtest.Environment
	cfg *rest.Config
}

func startControlPlane(root, dir string) (*controlPlane, error) {
	certs := filepath.Join(dir, "apiserver")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return nil, err
	}
	apiLog, err := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		// kube-apiserver takes its time to drain on SIGTERM.
		ControlPlaneStopTimeout: 2 * time.Minute,
		ControlPlane:            envtest.ControlPlane{APIServer: &envtest.APIServer{CertDir: certs, Out: apiLog, Err: apiLog}},
	}
	// Without a grace period for watches, kube-apiserver waits a minute on SIGTERM for the
	// watches of its clients to end by themselves.
	env.ControlPlane.APIServer.Configure().Set("shutdown-watch-termination-grace-period", "2s")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd (KUBEBUILDER_ASSETS=%q): %w", os.Getenv("KUBEBUILDER_ASSETS"), err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return &controlPlane{env: env, cfg: cfg}, nil
}

func (c *controlPlane) stop() error { return c.env.Stop() }

// stopAPIServer stops kube-apiserver gracefully (SIGTERM); etcd keeps running.
func (c *controlPlane) stopAPIServer() error {
	t := time.Now()
	err := c.env.ControlPlane.APIServer.Stop()
	logf("kube-apiserver stopped after %s", time.Since(t))
	return err
}

// startAPIServer starts it again on the same port and waits until it is healthy.
func (c *controlPlane) startAPIServer() error { return c.env.ControlPlane.APIServer.Start() }

// outage stops the API server for d and starts it again.
func (c *controlPlane) outage(d time.Duration) error {
	if err := c.stopAPIServer(); err != nil {
		return fmt.Errorf("stopping kube-apiserver: %w", err)
	}
	time.Sleep(d)
	if err := c.startAPIServer(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	return nil
}

// writeKubeconfig writes a kubeconfig of cfg (client certificate) for the operator process.
func writeKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["chaos"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["chaos"] = &clientcmdapi.Context{Cluster: "chaos", AuthInfo: "admin"}
	kc.CurrentContext = "chaos"
	return clientcmd.WriteToFile(*kc, path)
}

// installCatalog creates the StackReleases of config/releases.
func installCatalog(ctx context.Context, c client.Client, root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "config", "releases", "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no releases in %s/config/releases: %v", root, err)
	}
	var versions []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := &rathausv1alpha1.StackRelease{}
		if err := yaml.UnmarshalStrict(b, r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if err := c.Create(ctx, r); err != nil {
			return nil, fmt.Errorf("creating StackRelease %s: %w", r.Name, err)
		}
		versions = append(versions, r.Spec.Version)
	}
	return versions, nil
}

// platform is the WorkspacePlatform of the campaign: like the sample platform, without what a
// control plane without nodes, cert-manager or ingress controller cannot serve (a cluster
// issuer, a signing key Secret, data residency). Video and mail ports are node ports, which
// the API server allocates by itself.
func platform(maxConcurrent int32) *rathausv1alpha1.WorkspacePlatform {
	p := &rathausv1alpha1.WorkspacePlatform{}
	p.Name = rathausv1alpha1.DefaultPlatformName
	p.Spec.Ingress.ClassName = "nginx"
	p.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
	p.Spec.Mail.Exposure = rathausv1alpha1.MailExposureNodePort
	p.Spec.Mail.PublicAddresses = []string{"192.0.2.25"}
	p.Spec.DNS.IngressTargets = []string{"ingress.chaos.example"}
	p.Spec.Upgrades.MaxConcurrent = maxConcurrent
	// Backups are scheduled (and, by the readiness simulator, completed) while the operator is
	// killed: their objects and status must converge like the rest (backupSecrets).
	p.Spec.Backup = &rathausv1alpha1.BackupPolicy{
		Destination:         &rathausv1alpha1.BackupDestination{Endpoint: "backup.chaos.example", Bucket: "rathaus", CredentialsSecret: rathausv1alpha1.NamespacedName{Namespace: "default", Name: "backup-store"}},
		EncryptionKeySecret: &rathausv1alpha1.NamespacedName{Namespace: "default", Name: "backup-key"},
	}
	return p
}

// backupSecrets are the platform Secrets the campaign's backup policy names.
func backupSecrets() []*corev1.Secret {
	secret := func(name string, data map[string]string) *corev1.Secret {
		s := &corev1.Secret{StringData: data}
		s.Namespace, s.Name = "default", name
		return s
	}
	return []*corev1.Secret{
		secret("backup-key", map[string]string{"password": "chaos"}),
		secret("backup-store", map[string]string{"access-key": "a", "secret-key": "s"}),
	}
}
