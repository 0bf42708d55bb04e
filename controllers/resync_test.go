package controllers_test

import (
	"context"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/metrics"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// Serial: these specs stop and start the one operator all specs share.
var _ = Describe("Operator restarts", Serial, func() {
	ctx := context.Background()

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	It("converges to the same objects when stopped mid-way and started fresh", func() {
		var workspaces []*rathausv1alpha1.MunicipalityWorkspace
		for range 3 {
			ns := createNamespace(ctx)
			ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.TenantAccess.Users = []string{"admin"} })
			Expect(k8s.Create(ctx, ws)).To(Succeed())
			workspaces = append(workspaces, ws)
		}
		stopManager()
		startManager()
		for _, ws := range workspaces {
			waitReady(ctx, ws)
			Expect(ownedObjects(ctx, ws)).To(Equal([]string{
				"LimitRange/rathaus-limits",
				"NetworkPolicy/rathaus-allow-dns",
				"NetworkPolicy/rathaus-default-deny",
				"ResourceQuota/rathaus-quota",
				"Role/rathaus-tenant",
				"RoleBinding/rathaus-tenant",
			}))
		}
	})

	It("issues no write at all when a fresh operator resyncs settled workspaces", func() {
		var workspaces []*rathausv1alpha1.MunicipalityWorkspace
		for i := range 5 {
			ns := createNamespace(ctx)
			// Files: a workspace whose services become available after the reconcile that
			// created them records, with that status, what it settled on.
			ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = i < 3 })
			Expect(k8s.Create(ctx, ws)).To(Succeed())
			workspaces = append(workspaces, ws)
		}
		for _, ws := range workspaces {
			becomeHealthy(ctx, ws)
		}
		var all rathausv1alpha1.MunicipalityWorkspaceList
		Expect(k8s.List(ctx, &all)).To(Succeed())
		// Other specs' workspaces may still be settling (envtest never makes their Deployments
		// available, but their waiting messages move once), and a workspace that became Ready
		// in the reconcile that created its objects records its settled digest in the next;
		// resync only what has settled.
		waitQuiet(ctx)
		before := map[string]string{}
		for _, ws := range workspaces {
			for k, v := range resourceVersions(ctx, ws) {
				before[k] = v
			}
		}

		for _, ws := range workspaces[:3] {
			Expect(getWorkspace(ctx, ws).Status.SettledDigest).NotTo(BeEmpty(), "a workspace that became Ready when it had settled records what it settled on")
		}

		stopManager()
		writesBefore, reconcilesBefore := metrics.MutatingRequests(), reconcileCount()
		settledBefore := testutil.ToFloat64(metrics.SettledReconciles)
		startManager()

		// The fresh manager reconciles every workspace on the cluster once (initial list),
		// including those other specs left stalled.
		Eventually(func() float64 { return reconcileCount() - reconcilesBefore }).Should(BeNumerically(">=", len(all.Items)))
		Consistently(func() float64 { return metrics.MutatingRequests() - writesBefore }, "2s").Should(BeZero())
		// Its first reconcile of each of those resumes from the status, without rendering.
		Expect(testutil.ToFloat64(metrics.SettledReconciles) - settledBefore).To(BeNumerically(">=", 3))

		after := map[string]string{}
		for _, ws := range workspaces {
			for k, v := range resourceVersions(ctx, ws) {
				after[k] = v
			}
		}
		Expect(after).To(Equal(before))
	})

	It("does not trust what another build of the operator settled: it renders, and writes nothing", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = true })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		becomeHealthy(ctx, ws)
		waitQuiet(ctx)
		Expect(getWorkspace(ctx, ws).Status.SettledDigest).NotTo(BeEmpty())
		var all rathausv1alpha1.MunicipalityWorkspaceList
		Expect(k8s.List(ctx, &all)).To(Succeed())
		settled := func() float64 { return testutil.ToFloat64(metrics.SettledReconciles) }
		restart := func(build string) (settledBefore, writesBefore float64) {
			stopManager()
			settledBefore, writesBefore, reconciles := settled(), metrics.MutatingRequests(), reconcileCount()
			startManagerOf(build)
			Eventually(func() float64 { return reconcileCount() - reconciles }).Should(BeNumerically(">=", len(all.Items)))
			return settledBefore, writesBefore
		}

		By("an upgraded operator resumes no workspace from what the old build recorded")
		settledBefore, writesBefore := restart("another-build")
		Consistently(func() float64 { return metrics.MutatingRequests() - writesBefore }, "2s").Should(BeZero())
		Expect(settled()-settledBefore).To(BeZero(), "every workspace rendered")

		By("the build that recorded the digest resumes this workspace")
		settledBefore, writesBefore = restart("")
		Consistently(func() float64 { return metrics.MutatingRequests() - writesBefore }, "2s").Should(BeZero())
		Expect(settled() - settledBefore).To(BeNumerically(">=", 1))
	})

	It("keeps its objects trimmed in its cache and still repairs drift, also drift made while it was down", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.TenantAccess.Users = []string{"admin"} })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		Eventually(func() string { return getWorkspace(ctx, ws).Status.ObjectsFingerprint }).ShouldNot(BeEmpty())
		waitQuiet(ctx)
		poke := func(value string) {
			reconciles := reconcileCount()
			updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
				w.Annotations = map[string]string{"example.org/poke": value}
			})
			Eventually(func() float64 { return reconcileCount() - reconciles }).Should(BeNumerically(">=", 1))
		}
		policy := func() *networkingv1.NetworkPolicy {
			np := &networkingv1.NetworkPolicy{}
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-default-deny"}, np)).To(Succeed())
			return np
		}
		denies := func() []networkingv1.PolicyType { return policy().Spec.PolicyTypes }
		want := denies()
		Expect(want).NotTo(BeEmpty())

		By("another controller's annotation is no drift: nothing is written")
		np := policy()
		np.Annotations["example.org/audited"] = "yes"
		Expect(k8s.Update(ctx, np)).To(Succeed())
		writes := metrics.MutatingRequests()
		poke("1")
		Consistently(func() float64 { return metrics.MutatingRequests() - writes }, "1s").Should(BeZero())

		By("a changed policy is drift: it is applied again")
		np = policy()
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		Expect(k8s.Update(ctx, np)).To(Succeed())
		Eventually(denies).Should(Equal(want))
		Expect(policy().Annotations).To(HaveKeyWithValue("example.org/audited", "yes"), "others' fields stay")

		By("a change made while the operator was down is repaired after its restart")
		waitQuiet(ctx)
		stopManager()
		np = policy()
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		Expect(k8s.Update(ctx, np)).To(Succeed())
		startManager()
		Eventually(denies).Should(Equal(want))
	})

	It("is not woken by a status it does not cache, and still repairs drift of the same object", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.TenantAccess.Users = []string{"admin"} })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		waitQuiet(ctx)
		key := client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}
		quota := func() *corev1.ResourceQuota {
			q := &corev1.ResourceQuota{}
			Expect(k8s.Get(ctx, key, q)).To(Succeed())
			return q
		}
		want := quota().Spec.Hard.Pods().String()

		By("the quota controller recounting the namespace's pods wakes no reconcile")
		reconciles := reconcileCount()
		q := quota()
		q.Status.Hard = q.Spec.Hard
		q.Status.Used = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("3")}
		Expect(k8s.Status().Update(ctx, q)).To(Succeed())
		Consistently(func() float64 { return reconcileCount() - reconciles }, "2s").Should(BeZero())

		By("a changed quota is drift: it is applied again")
		q = quota()
		q.Spec.Hard[corev1.ResourcePods] = resource.MustParse("999")
		Expect(k8s.Update(ctx, q)).To(Succeed())
		Eventually(func() string { return quota().Spec.Hard.Pods().String() }).Should(Equal(want))
	})

	It("skips rendering a settled workspace, and a settled workspace still has its drift repaired", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.TenantAccess.Users = []string{"admin"} })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		waitQuiet(ctx)
		settled := func() float64 { return testutil.ToFloat64(metrics.SettledReconciles) }
		poke := func(value string) {
			reconciles := reconcileCount()
			updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
				w.Annotations = map[string]string{"example.org/poke": value}
			})
			Eventually(func() float64 { return reconcileCount() - reconciles }).Should(BeNumerically(">=", 1))
		}

		By("an annotation changes nothing the stack is rendered from: the reconcile skips rendering and writes nothing")
		before, writes := settled(), metrics.MutatingRequests()
		for _, v := range []string{"1", "2", "3"} {
			poke(v)
		}
		Eventually(func() float64 { return settled() - before }).Should(BeNumerically(">=", 3))
		Expect(metrics.MutatingRequests() - writes).To(BeZero())

		By("drift of a settled workspace's object gives it a new resource version, so it is compared and applied again")
		role := &rbacv1.Role{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-tenant"}, role)).To(Succeed())
		want := role.Rules
		role.Rules = append(role.Rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}})
		Expect(k8s.Update(ctx, role)).To(Succeed())
		Eventually(func() []rbacv1.PolicyRule {
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-tenant"}, role)).To(Succeed())
			return role.Rules
		}).Should(Equal(want))

		By("a workspace's spec is an input: changing it renders again")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.TenantAccess.Users = []string{"admin", "anna"} })
		Eventually(func() []string {
			rb := &rbacv1.RoleBinding{}
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-tenant"}, rb)).To(Succeed())
			var names []string
			for _, s := range rb.Subjects {
				names = append(names, s.Name)
			}
			return names
		}).Should(ContainElement("anna"))
	})
})

// ownedObjects lists "Kind/name" of the workspace's baseline objects, sorted.
func ownedObjects(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) []string {
	var out []string
	for kind, list := range baselineLists() {
		Expect(k8s.List(ctx, list, client.InNamespace(ws.Namespace), client.MatchingLabels{ownership.WorkspaceLabel: ws.Name})).To(Succeed())
		items, err := meta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			out = append(out, kind+"/"+item.(client.Object).GetName())
		}
	}
	sort.Strings(out)
	return out
}

// resourceVersions maps every baseline object, the namespace and the workspace itself to its
// resourceVersion: any write changes one of them.
func resourceVersions(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) map[string]string {
	out := map[string]string{}
	for kind, list := range baselineLists() {
		Expect(k8s.List(ctx, list, client.InNamespace(ws.Namespace), client.MatchingLabels{ownership.WorkspaceLabel: ws.Name})).To(Succeed())
		items, err := meta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			o := item.(client.Object)
			out[kind+"/"+o.GetNamespace()+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	ns := &corev1.Namespace{}
	Expect(k8s.Get(ctx, client.ObjectKey{Name: ws.Namespace}, ns)).To(Succeed())
	out["Namespace/"+ns.Name] = ns.ResourceVersion
	out["MunicipalityWorkspace/"+ws.Namespace+"/"+ws.Name] = getWorkspace(ctx, ws).ResourceVersion
	return out
}

func baselineLists() map[string]client.ObjectList {
	return map[string]client.ObjectList{
		"ResourceQuota": &corev1.ResourceQuotaList{},
		"LimitRange":    &corev1.LimitRangeList{},
		"NetworkPolicy": &networkingv1.NetworkPolicyList{},
		"Role":          &rbacv1.RoleList{},
		"RoleBinding":   &rbacv1.RoleBindingList{},
	}
}

// reconcileCount is the number of workspace reconciles of every manager of this process.
func reconcileCount() float64 {
	families, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var sum float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "municipalityworkspace" {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
