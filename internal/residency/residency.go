// Package residency keeps a workspace's workloads in the regions the platform allows: it
// gives every pod a required node affinity for them, counts the cluster's nodes against them
// for the platform's status, and tells a workspace when no allowed node is there to run it.
package residency

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// DefaultRegionLabel is the well-known label cloud providers and kubelets set.
const DefaultRegionLabel = corev1.LabelTopologyRegion

// RegionLabel is the node label the platform matches regions against.
func RegionLabel(p *rathausv1alpha1.WorkspacePlatform) string {
	if l := p.Spec.DataResidency.RegionLabel; l != "" {
		return l
	}
	return DefaultRegionLabel
}

// Allowed returns the sorted allowed regions; empty means every region.
func Allowed(p *rathausv1alpha1.WorkspacePlatform) []string {
	out := slices.Clone(p.Spec.DataResidency.AllowedRegions)
	slices.Sort(out)
	return slices.Compact(out)
}

// Restrict adds a required node affinity for the allowed regions to spec, keeping whatever
// affinity the component set (an ANDed expression in every node selector term).
func Restrict(spec *corev1.PodSpec, p *rathausv1alpha1.WorkspacePlatform) {
	allowed := Allowed(p)
	if len(allowed) == 0 {
		return
	}
	req := corev1.NodeSelectorRequirement{Key: RegionLabel(p), Operator: corev1.NodeSelectorOpIn, Values: allowed}
	if spec.Affinity == nil {
		spec.Affinity = &corev1.Affinity{}
	}
	if spec.Affinity.NodeAffinity == nil {
		spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	na := spec.Affinity.NodeAffinity
	if na.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		na.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{}
	}
	terms := na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		terms = []corev1.NodeSelectorTerm{{}}
	}
	for i := range terms {
		terms[i].MatchExpressions = append(terms[i].MatchExpressions, req)
	}
	na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = terms
}

// Count sorts the Ready nodes by where they are against the platform's allowed regions.
func Count(nodes []corev1.Node, p *rathausv1alpha1.WorkspacePlatform) rathausv1alpha1.NodePlacement {
	allowed := Allowed(p)
	label := RegionLabel(p)
	var out rathausv1alpha1.NodePlacement
	var unlabelled []string
	for i := range nodes {
		if !ready(&nodes[i]) {
			continue
		}
		region, ok := nodes[i].Labels[label]
		switch {
		case !ok || region == "":
			out.WithoutRegion++
			unlabelled = append(unlabelled, nodes[i].Name)
		case len(allowed) == 0 || slices.Contains(allowed, region):
			out.InAllowedRegions++
		default:
			out.OutsideAllowedRegions++
		}
	}
	slices.Sort(unlabelled)
	if len(unlabelled) > 10 {
		unlabelled = unlabelled[:10]
	}
	out.UnlabelledNodes = unlabelled
	return out
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Condition states what the platform's data residency looks like, with what it counted and
// the storage classes that could put volumes elsewhere (see VolumeWarnings).
func Condition(p *rathausv1alpha1.WorkspacePlatform, counted rathausv1alpha1.NodePlacement, volumeWarnings []string) metav1.Condition {
	c := metav1.Condition{Type: rathausv1alpha1.ConditionDataResidency, ObservedGeneration: p.Generation}
	allowed := Allowed(p)
	switch {
	case len(allowed) == 0:
		c.Status, c.Reason = metav1.ConditionTrue, rathausv1alpha1.ReasonUnrestricted
		c.Message = fmt.Sprintf("no allowed regions set: workloads may run on all %d Ready nodes", counted.InAllowedRegions+counted.WithoutRegion)
	case counted.InAllowedRegions == 0:
		c.Status, c.Reason = metav1.ConditionFalse, rathausv1alpha1.ReasonNoAllowedNodes
		c.Message = fmt.Sprintf("no Ready node carries %s in %s; workspaces cannot run (%d Ready nodes elsewhere, %d without the label)",
			RegionLabel(p), strings.Join(allowed, ", "), counted.OutsideAllowedRegions, counted.WithoutRegion)
	case len(volumeWarnings) > 0:
		c.Status, c.Reason = metav1.ConditionFalse, rathausv1alpha1.ReasonVolumesUnrestricted
		c.Message = fmt.Sprintf("pods run only on the %d Ready nodes in %s, but StorageClass %s binds volumes before scheduling and restricts no topology: use volumeBindingMode WaitForFirstConsumer or allowedTopologies",
			counted.InAllowedRegions, strings.Join(allowed, ", "), strings.Join(volumeWarnings, ", "))
	default:
		c.Status, c.Reason = metav1.ConditionTrue, rathausv1alpha1.ReasonEnforced
		c.Message = fmt.Sprintf("workloads run only on the %d Ready nodes in %s; %d Ready nodes in other regions and %d without the label %s are never used",
			counted.InAllowedRegions, strings.Join(allowed, ", "), counted.OutsideAllowedRegions, counted.WithoutRegion, RegionLabel(p))
	}
	return c
}

// VolumeWarnings names the platform's storage classes that could provision a volume outside
// the allowed regions: they bind a claim at once (not when its pod is scheduled) and restrict
// no topology. A claim cannot restrict its own topology, so only the class can keep volumes in.
func VolumeWarnings(p *rathausv1alpha1.WorkspacePlatform, classes []storagev1.StorageClass) []string {
	if len(Allowed(p)) == 0 {
		return nil
	}
	used := map[string]bool{p.Spec.Storage.ReadWriteOnceClass: true, p.Spec.Storage.ReadWriteManyClass: true}
	var out []string
	for _, c := range classes {
		isDefault := c.Annotations["storageclass.kubernetes.io/is-default-class"] == "true"
		if !used[c.Name] && !(used[""] && isDefault) {
			continue
		}
		late := c.VolumeBindingMode != nil && *c.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
		if !late && len(c.AllowedTopologies) == 0 {
			out = append(out, c.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Blocked returns why a workspace cannot be placed, from the platform's last count, or "".
func Blocked(p *rathausv1alpha1.WorkspacePlatform) string {
	allowed := Allowed(p)
	if len(allowed) == 0 || p.Status.Nodes == nil || p.Status.Nodes.InAllowedRegions > 0 {
		return ""
	}
	return fmt.Sprintf("a Ready node in the allowed regions %s (the platform counts none)", strings.Join(allowed, ", "))
}

// Placement is the component that tells a workspace, as condition PlacementReady, when no
// allowed node is there to run it. It renders nothing.
type Placement struct{}

// Name implements stack.Component.
func (Placement) Name() string { return "placement" }

// ConditionType implements stack.Conditioned.
func (Placement) ConditionType() string { return "PlacementReady" }

// Render implements stack.Component.
func (Placement) Render(stack.Inputs) ([]client.Object, error) { return nil, nil }

// Pending implements stack.Pender.
func (Placement) Pending(in stack.Inputs) string { return Blocked(in.Platform) }
