package nextcloud

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func TestPrimaryStorageIsChosenOnce(t *testing.T) {
	s3 := &rathausv1alpha1.ObjectStorage{Endpoint: "s3.example.eu", CredentialsSecret: rathausv1alpha1.NamespacedName{Namespace: "p", Name: "s3"}}
	claim := func(label string) map[string]client.Object {
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: dataClaim, Namespace: "kiel", Labels: map[string]string{}}}
		if label != "" {
			pvc.Labels[storageLabel] = label
		}
		return map[string]client.Object{stack.Key("PersistentVolumeClaim", "kiel", dataClaim): pvc}
	}
	tests := []struct {
		name     string
		platform *rathausv1alpha1.ObjectStorage
		observed map[string]client.Object
		want     string
	}{
		{name: "new, platform without S3", want: storageVolume},
		{name: "new, platform with S3", platform: s3, want: storageS3},
		{name: "installed on the volume, platform gains S3", platform: s3, observed: claim(storageVolume), want: storageVolume},
		{name: "installed on S3, platform loses S3", observed: claim(storageS3), want: storageS3},
		{name: "installed before the label existed", platform: s3, observed: claim(""), want: storageVolume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := stack.Inputs{
				Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel"}},
				Platform:  &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{ObjectStorage: tt.platform}},
				Observed:  tt.observed,
			}
			if got := primaryStorage(in); got != tt.want {
				t.Fatalf("primaryStorage = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for tag, want := range map[string]string{"34.0.2-apache": "34.0.2", "33.0.7": "33.0.7"} {
		if got := Version(tag); got != want {
			t.Errorf("Version(%s) = %s, want %s", tag, got, want)
		}
	}
}

func TestDataVolumeKeepsItsAccessMode(t *testing.T) {
	observed := func(mode corev1.PersistentVolumeAccessMode, class string) map[string]client.Object {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: dataClaim, Namespace: "kiel"},
			Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{mode}, StorageClassName: &class},
		}
		return map[string]client.Object{stack.Key("PersistentVolumeClaim", "kiel", dataClaim): pvc}
	}
	tests := []struct {
		name         string
		size         rathausv1alpha1.SizeTier
		rwx          string
		observed     map[string]client.Object
		wantMode     corev1.PersistentVolumeAccessMode
		wantClass    string
		wantReplicas int32
	}{
		{name: "new L with a RWX class", size: rathausv1alpha1.SizeL, rwx: "cephfs", wantMode: corev1.ReadWriteMany, wantClass: "cephfs", wantReplicas: 2},
		{name: "new L without a RWX class", size: rathausv1alpha1.SizeL, wantMode: corev1.ReadWriteOnce, wantReplicas: 1},
		{name: "new S with a RWX class", size: rathausv1alpha1.SizeS, rwx: "cephfs", wantMode: corev1.ReadWriteOnce, wantReplicas: 1},
		{name: "L on RWO, platform gains RWX", size: rathausv1alpha1.SizeL, rwx: "cephfs", observed: observed(corev1.ReadWriteOnce, "ceph-block"), wantMode: corev1.ReadWriteOnce, wantReplicas: 1},
		{name: "L on RWX, platform loses RWX", size: rathausv1alpha1.SizeL, observed: observed(corev1.ReadWriteMany, "cephfs"), wantMode: corev1.ReadWriteMany, wantClass: "cephfs", wantReplicas: 2},
		{name: "S grown to L on RWO", size: rathausv1alpha1.SizeL, rwx: "cephfs", observed: observed(corev1.ReadWriteOnce, "standard"), wantMode: corev1.ReadWriteOnce, wantReplicas: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"}}
			ws.Spec.Size = tt.size
			p := &rathausv1alpha1.WorkspacePlatform{}
			p.Spec.Storage.ReadWriteManyClass = tt.rwx
			in := stack.Inputs{Workspace: ws, Platform: p, Observed: tt.observed}
			f := figures[in.Size()]
			mode, class := volumeLayout(in, f)
			if mode != tt.wantMode {
				t.Errorf("mode = %s, want %s", mode, tt.wantMode)
			}
			if got := ptrString(class); got != tt.wantClass {
				t.Errorf("class = %q, want %q", got, tt.wantClass)
			}
			if got := replicas(f, mode); got != tt.wantReplicas {
				t.Errorf("replicas = %d, want %d", got, tt.wantReplicas)
			}
		})
	}
}

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestDatabaseHostCarriesThePort: the image's entrypoint reads no port variable and passes
// POSTGRES_HOST to occ maintenance:install as --database-host (nextcloud/docker
// entrypoint.sh), so the port of the connection Secret must travel in it as host:port.
func TestDatabaseHostCarriesThePort(t *testing.T) {
	for _, c := range []corev1.Container{deployment(testInputs(), "nextcloud", "files.kiel.de", figures[rathausv1alpha1.SizeS], storageVolume).Spec.Template.Spec.Containers[0]} {
		vars := map[string]corev1.EnvVar{}
		var order []string
		for _, e := range c.Env {
			vars[e.Name] = e
			order = append(order, e.Name)
		}
		port, ok := vars["RATHAUS_DB_PORT"]
		if !ok || port.ValueFrom == nil || port.ValueFrom.SecretKeyRef.Key != "port" {
			t.Fatalf("no RATHAUS_DB_PORT from the connection Secret's port: %v", order)
		}
		if got := vars["POSTGRES_HOST"].Value; got != "$(RATHAUS_DB_HOST):$(RATHAUS_DB_PORT)" {
			t.Fatalf("POSTGRES_HOST = %q, want host:port", got)
		}
		if slices.Index(order, "POSTGRES_HOST") < slices.Index(order, "RATHAUS_DB_PORT") {
			t.Fatal("POSTGRES_HOST comes before the variables it expands")
		}
	}
}

func testInputs() stack.Inputs {
	return stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"},
			Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: "kiel.de", Services: rathausv1alpha1.WorkspaceServices{Files: rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}}},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{Database: rathausv1alpha1.DatabaseSettings{Mode: rathausv1alpha1.DatabaseExternal}}},
		Identity: &stack.Identity{IssuerURL: "https://id.kiel.de/realms/kiel"},
	}
}

// TestSingleSignOnAppWithoutTheAppStore: user_oidc comes at the version the release pins,
// from upstream's release or the platform's artifact mirror; the app store stays off, so an
// air-gapped platform needs nothing from the internet.
func TestSingleSignOnAppWithoutTheAppStore(t *testing.T) {
	for mirror, want := range map[string]string{
		"":                                    "https://github.com/nextcloud-releases/user_oidc/releases/download/v8.10.1/user_oidc-v8.10.1.tar.gz",
		"https://artifacts.example.eu/mirror": "https://artifacts.example.eu/mirror/github.com/nextcloud-releases/user_oidc/releases/download/v8.10.1/user_oidc-v8.10.1.tar.gz",
	} {
		in := testInputs()
		in.Platform.Spec.Artifacts.Mirror = mirror
		vars := map[string]string{}
		for _, e := range env(in, "files.kiel.de", storageVolume) {
			vars[e.Name] = e.Value
		}
		if vars["RATHAUS_USER_OIDC_URL"] != want || vars["RATHAUS_USER_OIDC_VERSION"] != userOIDCVersion {
			t.Errorf("mirror %q: user_oidc from %q at %q, want %q", mirror, vars["RATHAUS_USER_OIDC_URL"], vars["RATHAUS_USER_OIDC_VERSION"], want)
		}
	}
	if up, enable := strings.Index(oidcHook, "occ upgrade"), strings.Index(oidcHook, "occ app:enable"); up < 0 || enable < up {
		t.Error("a replaced app must be migrated (occ upgrade) before other occ commands, which Nextcloud refuses meanwhile")
	}
	if strings.Contains(oidcHook, "app:install") {
		t.Error("the hook installs from the app store")
	}
	if !strings.Contains(configPHP, "'appstoreenabled' => false") {
		t.Error("the app store is not switched off")
	}
}

// TestConfigFileBelongsToTheImagesUser: the operator's config file reaches config/ through
// an init container running as www-data, not through a mount inside the html volume, which
// would leave config/ to root (nextcloud/helm#114).
func TestConfigFileBelongsToTheImagesUser(t *testing.T) {
	d := deployment(testInputs(), "nextcloud", "files.kiel.de", figures[rathausv1alpha1.SizeS], storageVolume)
	spec := d.Spec.Template.Spec
	if len(spec.InitContainers) != 1 || !strings.Contains(strings.Join(spec.InitContainers[0].Command, " "), configDir+"/rathaus.config.php") {
		t.Fatalf("no init container copies rathaus.config.php: %v", spec.InitContainers)
	}
	if *spec.SecurityContext.RunAsUser != uid {
		t.Errorf("runs as %d", *spec.SecurityContext.RunAsUser)
	}
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(m.MountPath, "/var/www/html/") {
				t.Errorf("%s mounts %s inside the html volume", c.Name, m.MountPath)
			}
		}
	}
	if d.Spec.Template.Annotations[configHashAnnotation] == "" {
		t.Error("a changed config file would not reach running pods")
	}
}

// TestApacheAcceptsTheUploadLimit: Apache's LimitRequestBody (the image's APACHE_BODY_LIMIT,
// 1 GiB by default) must not refuse what PHP accepts at the tier.
func TestApacheAcceptsTheUploadLimit(t *testing.T) {
	for tier, f := range figures {
		d := deployment(testInputs(), "nextcloud", "files.kiel.de", f, storageVolume)
		vars := map[string]string{}
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			vars[e.Name] = e.Value
		}
		want := fmt.Sprint(gibibytes(f.upload))
		if vars["APACHE_BODY_LIMIT"] != want || gibibytes(f.upload) <= 1<<30 {
			t.Errorf("%s: APACHE_BODY_LIMIT %q, PHP_UPLOAD_LIMIT %q (%s bytes)", tier, vars["APACHE_BODY_LIMIT"], vars["PHP_UPLOAD_LIMIT"], want)
		}
	}
	if gibibytes("4G") != 4<<30 || gibibytes("x") != 0 {
		t.Error("gibibytes misreads PHP sizes")
	}
}
