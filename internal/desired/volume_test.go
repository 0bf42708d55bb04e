package desired

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// A workspace moved to a smaller size keeps its volumes' sizes: Kubernetes refuses to shrink a
// claim, and the data on it must stay. A larger size still grows them.
func TestVolumesNeverShrink(t *testing.T) {
	claimSize := func(in stack.Inputs, name string) string {
		t.Helper()
		for _, u := range state(t, in) {
			if u.GetKind() == "PersistentVolumeClaim" && u.GetName() == name {
				pvc := &corev1.PersistentVolumeClaim{}
				convert(t, u, pvc)
				return pvc.Spec.Resources.Requests.Storage().String()
			}
		}
		t.Fatalf("no claim %s rendered", name)
		return ""
	}
	withClaim := func(size rathausv1alpha1.SizeTier, existing string) stack.Inputs {
		return inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = size
			in.Workspace.Spec.Services.Files.Enabled = true
			if existing == "" {
				return
			}
			pvc := &corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Name: "rathaus-nextcloud-data", Namespace: "kiel"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(existing)}},
				},
			}
			in.Observed = map[string]client.Object{stack.Key("PersistentVolumeClaim", "kiel", pvc.Name): pvc}
		})
	}
	tests := []struct {
		name     string
		size     rathausv1alpha1.SizeTier
		existing string
		want     string
	}{
		{name: "new M volume", size: rathausv1alpha1.SizeM, want: "1Ti"},
		{name: "M shrunk to S keeps 1Ti", size: rathausv1alpha1.SizeS, existing: "1Ti", want: "1Ti"},
		{name: "S grown to M grows", size: rathausv1alpha1.SizeM, existing: "250Gi", want: "1Ti"},
		{name: "expanded by hand beyond the tier stays", size: rathausv1alpha1.SizeM, existing: "3Ti", want: "3Ti"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claimSize(withClaim(tt.size, tt.existing), "rathaus-nextcloud-data"); got != tt.want {
				t.Errorf("claim size = %s, want %s", got, tt.want)
			}
		})
	}
}
