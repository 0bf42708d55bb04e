package residency

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func platform(regions ...string) *rathausv1alpha1.WorkspacePlatform {
	return &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{DataResidency: rathausv1alpha1.DataResidency{AllowedRegions: regions}}}
}

func node(name, region string, isReady bool) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	if region != "" {
		n.Labels[DefaultRegionLabel] = region
	}
	status := corev1.ConditionFalse
	if isReady {
		status = corev1.ConditionTrue
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status}}
	return n
}

func TestRestrict(t *testing.T) {
	spec := &corev1.PodSpec{Affinity: &corev1.Affinity{PodAffinity: &corev1.PodAffinity{}}}
	Restrict(spec, platform("eu-central", "eu-central", "de-north"))
	terms := spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchExpressions) != 1 {
		t.Fatalf("terms = %+v", terms)
	}
	e := terms[0].MatchExpressions[0]
	if e.Key != DefaultRegionLabel || e.Operator != corev1.NodeSelectorOpIn || len(e.Values) != 2 || e.Values[0] != "de-north" {
		t.Fatalf("expression = %+v, want sorted distinct regions", e)
	}
	if spec.Affinity.PodAffinity == nil {
		t.Fatal("the component's own affinity was dropped")
	}

	// Existing node selector terms are ORed: each must get the restriction.
	spec = &corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "a", Operator: corev1.NodeSelectorOpExists}}}, {}},
	}}}}
	Restrict(spec, platform("eu-central"))
	for i, term := range spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		last := term.MatchExpressions[len(term.MatchExpressions)-1]
		if last.Key != DefaultRegionLabel {
			t.Fatalf("term %d lacks the region restriction: %+v", i, term)
		}
	}

	spec = &corev1.PodSpec{}
	Restrict(spec, platform())
	if spec.Affinity != nil {
		t.Fatal("no allowed regions must mean no affinity")
	}
}

func TestCountAndCondition(t *testing.T) {
	nodes := []corev1.Node{
		node("a", "eu-central", true), node("b", "eu-central", true), node("c", "eu-central", false),
		node("d", "eu-west", true), node("e", "", true),
	}
	tests := []struct {
		name     string
		p        *rathausv1alpha1.WorkspacePlatform
		want     rathausv1alpha1.NodePlacement
		reason   string
		blocked  bool
		messages string
	}{
		{name: "restricted", p: platform("eu-central"), want: rathausv1alpha1.NodePlacement{InAllowedRegions: 2, OutsideAllowedRegions: 1, WithoutRegion: 1, UnlabelledNodes: []string{"e"}}, reason: rathausv1alpha1.ReasonEnforced,
			messages: "workloads run only on the 2 Ready nodes in eu-central; 1 Ready nodes in other regions and 1 without the label topology.kubernetes.io/region are never used"},
		{name: "unrestricted", p: platform(), want: rathausv1alpha1.NodePlacement{InAllowedRegions: 3, WithoutRegion: 1, UnlabelledNodes: []string{"e"}}, reason: rathausv1alpha1.ReasonUnrestricted,
			messages: "no allowed regions set: workloads may run on all 4 Ready nodes"},
		{name: "nothing allowed exists", p: platform("ch-north"), want: rathausv1alpha1.NodePlacement{OutsideAllowedRegions: 3, WithoutRegion: 1, UnlabelledNodes: []string{"e"}}, reason: rathausv1alpha1.ReasonNoAllowedNodes, blocked: true,
			messages: "no Ready node carries topology.kubernetes.io/region in ch-north; workspaces cannot run (3 Ready nodes elsewhere, 1 without the label)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Count(nodes, tt.p)
			if got.InAllowedRegions != tt.want.InAllowedRegions || got.OutsideAllowedRegions != tt.want.OutsideAllowedRegions || got.WithoutRegion != tt.want.WithoutRegion || len(got.UnlabelledNodes) != len(tt.want.UnlabelledNodes) {
				t.Fatalf("Count = %+v, want %+v", got, tt.want)
			}
			c := Condition(tt.p, got, nil)
			if c.Reason != tt.reason || c.Message != tt.messages {
				t.Fatalf("condition = %s %q", c.Reason, c.Message)
			}
			tt.p.Status.Nodes = &got
			if (Blocked(tt.p) != "") != tt.blocked {
				t.Fatalf("Blocked = %q, want blocked %v", Blocked(tt.p), tt.blocked)
			}
		})
	}
}

func TestVolumeWarnings(t *testing.T) {
	late := storagev1.VolumeBindingWaitForFirstConsumer
	immediate := storagev1.VolumeBindingImmediate
	classes := []storagev1.StorageClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "late"}, VolumeBindingMode: &late},
		{ObjectMeta: metav1.ObjectMeta{Name: "fenced"}, VolumeBindingMode: &immediate, AllowedTopologies: []corev1.TopologySelectorTerm{{}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "anywhere", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}}, VolumeBindingMode: &immediate},
		{ObjectMeta: metav1.ObjectMeta{Name: "unused"}},
	}
	p := platform("eu-central")
	if got := VolumeWarnings(p, classes); len(got) != 1 || got[0] != "anywhere" {
		t.Fatalf("warnings = %v, want the default class, which the platform uses by naming none", got)
	}
	p.Spec.Storage = rathausv1alpha1.StorageSettings{ReadWriteOnceClass: "late", ReadWriteManyClass: "fenced"}
	if got := VolumeWarnings(p, classes); len(got) != 0 {
		t.Fatalf("warnings = %v, want none", got)
	}
	c := Condition(p, rathausv1alpha1.NodePlacement{InAllowedRegions: 3}, []string{"anywhere"})
	if c.Status != metav1.ConditionFalse || c.Reason != rathausv1alpha1.ReasonVolumesUnrestricted {
		t.Fatalf("condition = %+v", c)
	}
	if got := VolumeWarnings(platform(), classes); got != nil {
		t.Fatalf("without allowed regions nothing is restricted: %v", got)
	}
}
