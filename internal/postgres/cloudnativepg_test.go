package postgres

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func cnpgInputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"}},
		Platform:  &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{Database: rathausv1alpha1.DatabaseSettings{Mode: rathausv1alpha1.DatabaseCloudNativePG}}},
		Release:   release.BuiltIn(),
		Databases: []string{"nextcloud"},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func clusterImage(t *testing.T, in stack.Inputs) (string, error) {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		return "", err
	}
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok && u.GetKind() == "Cluster" {
			image, _, _ := unstructured.NestedString(u.Object, "spec", "imageName")
			return image, nil
		}
	}
	t.Fatal("no Cluster rendered")
	return "", nil
}

func observedCluster(field []string, image string) func(*stack.Inputs) {
	return func(in *stack.Inputs) {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		u.SetGroupVersionKind(ClusterKind)
		_ = unstructured.SetNestedField(u.Object, image, field...)
		in.Observed = map[string]client.Object{stack.Key("Cluster", "kiel", Name): u}
	}
}

// TestCloudNativePGRunsTheReleasesPostgreSQL: the Cluster pins the release's operand image,
// so the release catalog, not CloudNativePG's changing default, decides the version.
func TestCloudNativePGRunsTheReleasesPostgreSQL(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*stack.Inputs)
		want   string
		reason string
	}{
		{name: "built-in release", mutate: func(*stack.Inputs) {}, want: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie"},
		{name: "through the mirror", mutate: func(in *stack.Inputs) { in.Platform.Spec.Registry.Mirror = "registry.example.eu/mirror" },
			want: "registry.example.eu/mirror/ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie"},
		{name: "pinned by digest keeps its tag", mutate: func(in *stack.Inputs) {
			for i := range in.Release.Spec.Components {
				if in.Release.Spec.Components[i].Name == CloudNativePGReleaseComponent {
					in.Release.Spec.Components[i].Digest = "sha256:0123"
				}
			}
		}, want: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie@sha256:0123"},
		{name: "a release from before the component", mutate: func(in *stack.Inputs) {
			in.Release = &rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2026.8.0"}}
		}, want: ""},
		{name: "same major running", mutate: observedCluster([]string{"status", "image"}, "ghcr.io/cloudnative-pg/postgresql:17.6-standard-bookworm"), want: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie"},
		{name: "newer major running", mutate: observedCluster([]string{"status", "image"}, "ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie@sha256:ab"), reason: "DatabaseDowngrade"},
		{name: "newer major asked for", mutate: observedCluster([]string{"spec", "imageName"}, "registry:5000/postgresql:18.4"), reason: "DatabaseDowngrade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := clusterImage(t, cnpgInputs(tt.mutate))
			var unmet *stack.UnmetError
			switch {
			case tt.reason != "" && (!errors.As(err, &unmet) || unmet.Reason != tt.reason):
				t.Fatalf("want Stalled with %s, got %v", tt.reason, err)
			case tt.reason == "" && err != nil:
				t.Fatal(err)
			case got != tt.want:
				t.Fatalf("spec.imageName = %q, want %q", got, tt.want)
			}
		})
	}
}
