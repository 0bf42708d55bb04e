package controllers_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

var _ = Describe("Data residency", func() {
	ctx := context.Background()

	createNode := func(region string) {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("node"), Labels: map[string]string{"test.rathaus.io/residency": "true"}}}
		if region != "" {
			n.Labels[corev1.LabelTopologyRegion] = region
		}
		Expect(k8s.Create(ctx, n)).To(Succeed())
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
		Expect(k8s.Status().Update(ctx, n)).To(Succeed())
	}

	BeforeEach(func() {
		createNode("eu-central")
		createNode("eu-central")
		createNode("eu-west")
		createNode("")
		DeferCleanup(func() {
			Expect(k8s.DeleteAllOf(ctx, &corev1.Node{}, client.MatchingLabels{"test.rathaus.io/residency": "true"})).To(Succeed())
		})
	})

	nodes := func(p *rathausv1alpha1.WorkspacePlatform) func() *rathausv1alpha1.NodePlacement {
		return func() *rathausv1alpha1.NodePlacement {
			got := &rathausv1alpha1.WorkspacePlatform{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
			return got.Status.Nodes
		}
	}

	It("reports the nodes inside and outside the allowed regions", func() {
		p := ensurePlatform(ctx, uniqueName("residency"), func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
		})
		Eventually(nodes(p)).Should(And(
			HaveField("InAllowedRegions", int32(2)),
			HaveField("OutsideAllowedRegions", int32(1)),
			HaveField("WithoutRegion", int32(1)),
		))
		got := &rathausv1alpha1.WorkspacePlatform{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
		c := meta.FindStatusCondition(got.Status.Conditions, "DataResidency")
		Expect(c).NotTo(BeNil())
		Expect(c.Reason).To(Equal("Enforced"))
		Expect(c.Message).To(ContainSubstring("2 Ready nodes in eu-central"))

		By("the cluster checks say what they saw")
		status := func(t string) string {
			c := meta.FindStatusCondition(got.Status.Conditions, t)
			if c == nil {
				return ""
			}
			return string(c.Status) + "/" + c.Reason
		}
		Expect(status("KubernetesVersionSupported")).To(Equal("True/Supported"), "envtest runs kube-apiserver v1.37")
		Expect(status("PodSecurityAdmission")).To(Equal("True/BuiltIn"))
		Expect(status("DefaultStorageClass")).To(Equal("False/Missing"), "envtest has no StorageClass")
		Expect(status("NodeTopologyLabels")).To(Equal("False/Unlabelled"), "the test's nodes have no zone")
		Expect(status("NetworkPolicyEnforcement")).To(Equal("Unknown/NotDeclared"))
	})

	It("tells a workspace that no allowed node can run it", func() {
		p := ensurePlatform(ctx, uniqueName("nowhere"), func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.DataResidency.AllowedRegions = []string{"ch-north"}
		})
		Eventually(nodes(p)).Should(HaveField("InAllowedRegions", int32(0)))

		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = p.Name })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "PlacementReady")).Should(Equal("False/Progressing"))
		Expect(condition(ctx, ws, "Ready")()).To(Equal("False/Progressing"))
		Expect(meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, "PlacementReady").Message).To(ContainSubstring("allowed regions ch-north"))

		By("allowing a region that has nodes, the workspace becomes Ready")
		got := &rathausv1alpha1.WorkspacePlatform{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
		got.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
		Expect(k8s.Update(ctx, got)).To(Succeed())
		waitReady(ctx, ws)
		Expect(condition(ctx, ws, "PlacementReady")()).To(BeEmpty())
	})
})
