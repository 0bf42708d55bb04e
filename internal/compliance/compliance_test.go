package compliance

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func node(name string, labels map[string]string) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func class(name string, isDefault bool) storagev1.StorageClass {
	c := storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if isDefault {
		c.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	}
	return c
}

func TestCheck(t *testing.T) {
	labelled := map[string]string{corev1.LabelTopologyRegion: "eu-central", corev1.LabelTopologyZone: "eu-central-a"}
	tests := []struct {
		name     string
		platform rathausv1alpha1.WorkspacePlatformSpec
		observed Observed
		want     map[string]string // type -> status/reason
	}{
		{
			name:     "compliant cluster",
			platform: rathausv1alpha1.WorkspacePlatformSpec{Network: rathausv1alpha1.NetworkSettings{PoliciesEnforced: true}},
			observed: Observed{
				ServerVersion:  "v1.37.2",
				Nodes:          []corev1.Node{node("a", labelled), node("cp-1", map[string]string{"node-role.kubernetes.io/control-plane": "", corev1.LabelTopologyRegion: "r", corev1.LabelTopologyZone: "z1"}), node("cp-2", map[string]string{"node-role.kubernetes.io/control-plane": "", corev1.LabelTopologyRegion: "r", corev1.LabelTopologyZone: "z2"})},
				StorageClasses: []storagev1.StorageClass{class("ceph", true), class("nfs", false)},
			},
			want: map[string]string{
				rathausv1alpha1.ConditionKubernetesVersion: "True/Supported", rathausv1alpha1.ConditionDefaultStorage: "True/Present", rathausv1alpha1.ConditionNodeTopology: "True/Labelled",
				rathausv1alpha1.ConditionControlPlaneSpread: "True/Spread", rathausv1alpha1.ConditionPodSecurity: "True/BuiltIn", rathausv1alpha1.ConditionNetworkPolicies: "True/Declared",
			},
		},
		{
			name: "old, unlabelled, no default class, managed control plane",
			observed: Observed{
				ServerVersion:  "v1.33.4+k3s1",
				Nodes:          []corev1.Node{node("a", labelled), node("b", nil)},
				StorageClasses: []storagev1.StorageClass{class("x", true), class("y", true)},
			},
			want: map[string]string{
				rathausv1alpha1.ConditionKubernetesVersion: "False/OutOfSupport", rathausv1alpha1.ConditionDefaultStorage: "False/Ambiguous", rathausv1alpha1.ConditionNodeTopology: "False/Unlabelled",
				rathausv1alpha1.ConditionControlPlaneSpread: "Unknown/NotVisible", rathausv1alpha1.ConditionPodSecurity: "True/BuiltIn", rathausv1alpha1.ConditionNetworkPolicies: "Unknown/NotDeclared",
			},
		},
		{
			name:     "unreadable version",
			observed: Observed{ServerVersion: "banana"},
			want:     map[string]string{rathausv1alpha1.ConditionKubernetesVersion: "Unknown/Unreadable", rathausv1alpha1.ConditionDefaultStorage: "False/Missing", rathausv1alpha1.ConditionPodSecurity: "Unknown/Unreadable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conds := Check(&rathausv1alpha1.WorkspacePlatform{Spec: tt.platform}, tt.observed)
			for typ, want := range tt.want {
				c := meta.FindStatusCondition(conds, typ)
				if c == nil {
					t.Fatalf("no %s condition", typ)
				}
				if got := string(c.Status) + "/" + c.Reason; got != want {
					t.Errorf("%s = %s (%s), want %s", typ, got, c.Message, want)
				}
				if c.Message == "" {
					t.Errorf("%s says nothing about what it saw", typ)
				}
			}
		})
	}
}
