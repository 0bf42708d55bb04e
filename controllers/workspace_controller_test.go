package controllers_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

var _ = Describe("MunicipalityWorkspace reconciler", func() {
	var ctx context.Context

	BeforeEach(func() {
		ctx = context.Background()
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
	})

	It("provisions the tenant baseline and reports Ready", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.TenantAccess.Users = []string{"anna@" + ns + ".example.de"}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)

		got := getWorkspace(ctx, ws)
		Expect(got.Finalizers).To(ContainElement(ownership.Finalizer))
		Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		Expect(got.Status.Release).To(Equal(release.BuiltIn().Spec.Version))
		Expect(meta.FindStatusCondition(got.Status.Conditions, "Reconciling")).To(BeNil())
		Expect(meta.FindStatusCondition(got.Status.Conditions, "Stalled")).To(BeNil())

		namespace := &corev1.Namespace{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
		Expect(namespace.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "restricted"))

		quota := &corev1.ResourceQuota{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}, quota)).To(Succeed())
		Expect(quota.Spec.Hard.Name(corev1.ResourceRequestsCPU, "").String()).To(Equal("10"))
		Expect(quota.Labels).To(HaveKeyWithValue(ownership.WorkspaceLabel, ws.Name))
		Expect(quota.OwnerReferences).To(HaveLen(1))

		for _, name := range []string{tenant.DefaultDenyPolicyName, tenant.AllowDNSPolicyName} {
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &networkingv1.NetworkPolicy{})).To(Succeed())
		}
		binding := &rbacv1.RoleBinding{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.TenantRoleBindingName}, binding)).To(Succeed())
		Expect(binding.Subjects).To(ConsistOf(HaveField("Name", "anna@"+ns+".example.de")))
	})

	It("follows spec changes and prunes what is no longer desired", func() {
		ns, ws := readyWorkspaceWithTenantGroup(ctx)
		bindingKey := client.ObjectKey{Namespace: ns, Name: tenant.TenantRoleBindingName}
		Expect(k8s.Get(ctx, bindingKey, &rbacv1.RoleBinding{})).To(Succeed())

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Size = rathausv1alpha1.SizeL
			w.Spec.TenantAccess = rathausv1alpha1.TenantAccess{}
		})

		Eventually(func() string {
			q := &corev1.ResourceQuota{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}, q); err != nil {
				return err.Error()
			}
			return q.Spec.Hard.Name(corev1.ResourceRequestsCPU, "").String()
		}).Should(Equal("32"))
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, bindingKey, &rbacv1.RoleBinding{}))
		}).Should(BeTrue(), "the RoleBinding without subjects must be pruned")
		waitReady(ctx, ws)
	})

	It("never prunes what another controller made with the workspace's labels", func() {
		ns, ws := readyWorkspaceWithTenantGroup(ctx)
		// What cert-manager's ingress-shim does: the Certificate of an Ingress's TLS entry gets
		// the Ingress's labels and the Ingress as its controller.
		owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "another-controllers-object"}}
		Expect(k8s.Create(ctx, owner)).To(Succeed())
		made := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: "made-by-another-controller",
			Labels:          ownership.Labels(ws.Name, "identity"),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, corev1.SchemeGroupVersion.WithKind("ConfigMap"))},
		}}
		Expect(k8s.Create(ctx, made)).To(Succeed())

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.TenantAccess = rathausv1alpha1.TenantAccess{}
		})
		bindingKey := client.ObjectKey{Namespace: ns, Name: tenant.TenantRoleBindingName}
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, bindingKey, &rbacv1.RoleBinding{}))
		}).Should(BeTrue(), "the RoleBinding without subjects is pruned")
		waitReady(ctx, ws)
		Consistently(func() error {
			return k8s.Get(ctx, client.ObjectKeyFromObject(made), &corev1.Secret{})
		}, "2s", "200ms").Should(Succeed(), "another controller's object is its controller's to delete")
	})

	It("repairs drift of the fields it owns but leaves others' fields alone", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)

		key := client.ObjectKey{Namespace: ns, Name: tenant.LimitRangeName}
		lr := &corev1.LimitRange{}
		Expect(k8s.Get(ctx, key, lr)).To(Succeed())
		lr.Spec.Limits[0].Default[corev1.ResourceMemory] = resourceMustParse("64Gi")
		lr.Labels["team"] = "ops"
		Expect(k8s.Update(ctx, lr)).To(Succeed())

		Eventually(func() string {
			Expect(k8s.Get(ctx, key, lr)).To(Succeed())
			return lr.Spec.Limits[0].Default.Memory().String()
		}).Should(Equal("512Mi"))
		Expect(lr.Labels).To(HaveKeyWithValue("team", "ops"))
	})

	It("stalls on a missing platform and recovers when it appears", func() {
		ns := createNamespace(ctx)
		platform := uniqueName("platform")
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/PlatformNotFound"))
		Expect(condition(ctx, ws, "Ready")()).To(Equal("False/PlatformNotFound"))
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}, &corev1.ResourceQuota{})).NotTo(Succeed())

		ensurePlatform(ctx, platform)
		waitReady(ctx, ws)
		Expect(condition(ctx, ws, "Stalled")()).To(BeEmpty())
	})

	It("stalls on a pinned release that does not exist", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: "2031.1.0"}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/ReleaseNotFound"))
		got := getWorkspace(ctx, ws)
		Expect(meta.FindStatusCondition(got.Status.Conditions, "Ready").Message).To(Equal("release 2031.1.0 is not in the release catalog"))
	})

	It("stalls on a time zone that does not exist, with a message naming it", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{
				Days: []rathausv1alpha1.DayOfWeek{"Saturday"}, Start: "02:00", Duration: "4h", TimeZone: "Europe/Atlantis",
			}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/InvalidSpec"))
		got := getWorkspace(ctx, ws)
		Expect(meta.FindStatusCondition(got.Status.Conditions, "Stalled").Message).To(ContainSubstring(`"Europe/Atlantis"`))
	})

	It("stalls the later of two workspaces claiming one domain, without touching the first", func() {
		nsA, nsB := createNamespace(ctx), createNamespace(ctx)
		domain := nsA + ".example.de"
		first := newWorkspace(nsA, domain)
		Expect(k8s.Create(ctx, first)).To(Succeed())
		waitReady(ctx, first)
		quotaBefore := &corev1.ResourceQuota{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: nsA, Name: tenant.QuotaName}, quotaBefore)).To(Succeed())

		second := newWorkspace(nsB, domain)
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(condition(ctx, second, "Stalled")).Should(Equal("True/DomainConflict"))
		Expect(condition(ctx, first, "Ready")()).To(Equal("True/Provisioned"))
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: nsB, Name: tenant.QuotaName}, &corev1.ResourceQuota{})).NotTo(Succeed())
		quotaAfter := &corev1.ResourceQuota{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: nsA, Name: tenant.QuotaName}, quotaAfter)).To(Succeed())
		Expect(quotaAfter.ResourceVersion).To(Equal(quotaBefore.ResourceVersion))

		events := &corev1.EventList{}
		Eventually(func() []string {
			Expect(k8s.List(ctx, events, client.InNamespace(nsB))).To(Succeed())
			var reasons []string
			for _, e := range events.Items {
				reasons = append(reasons, e.Reason)
			}
			return reasons
		}).Should(ContainElement("DomainConflict"))

		By("deleting the first workspace, the second gets the domain")
		Expect(k8s.Delete(ctx, first)).To(Succeed())
		waitReady(ctx, second)
	})

	It("stalls a second workspace in one namespace", func() {
		ns := createNamespace(ctx)
		first := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, first)).To(Succeed())
		waitReady(ctx, first)
		second := newWorkspace(ns, ns+"-zwei.example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Name = "second" })
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(condition(ctx, second, "Stalled")).Should(Equal("True/NamespaceConflict"))
		Expect(condition(ctx, first, "Ready")()).To(Equal("True/Provisioned"))

		By("deleting the second workspace, the first keeps its namespace labels")
		Expect(k8s.Delete(ctx, second)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(second), &rathausv1alpha1.MunicipalityWorkspace{}))
		}).Should(BeTrue())
		Consistently(func() map[string]string {
			namespace := &corev1.Namespace{}
			Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
			return namespace.Labels
		}, "2s").Should(HaveKeyWithValue("pod-security.kubernetes.io/enforce", "restricted"))
	})

	It("gives a host free as soon as its holder switches the service off", func() {
		nsA, nsB := createNamespace(ctx), createNamespace(ctx)
		// A host inside neither workspace's domain, which the provider gave to one, then the other.
		shared := "cloud-" + nsA + ".provider.example"
		holder := newWorkspace(nsA, nsA+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: shared}}
		})
		Expect(k8s.Create(ctx, holder)).To(Succeed())
		Eventually(func() []string { return getWorkspace(ctx, holder).Status.Hosts }).Should(ContainElement(shared))

		wanting := newWorkspace(nsB, nsB+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: shared}}
		})
		Expect(k8s.Create(ctx, wanting)).To(Succeed())
		Eventually(condition(ctx, wanting, "Stalled")).Should(Equal("True/DomainConflict"))

		updateWorkspace(ctx, holder, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = false })
		Eventually(condition(ctx, wanting, "Stalled"), "10s").Should(BeEmpty())
		Expect(getWorkspace(ctx, wanting).Status.Hosts).To(ContainElement(shared))
	})

	DescribeTable("deletion honours the deletion policy",
		func(policy rathausv1alpha1.DeletionPolicy, dataKept bool) {
			ns := createNamespace(ctx)
			ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.DeletionPolicy = policy })
			Expect(k8s.Create(ctx, ws)).To(Succeed())
			waitReady(ctx, ws)

			// A generated credential as services create them: inventory and data labels, no owner.
			data := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rathaus-db-credentials", Labels: ownership.Labels(ws.Name, "postgresql")}}
			data.Labels[ownership.DataLabel] = "true"
			data.StringData = map[string]string{"password": "kept-across-deletion"}
			Expect(k8s.Create(ctx, data)).To(Succeed())

			Expect(k8s.Delete(ctx, ws)).To(Succeed())
			Eventually(func() bool {
				return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(ws), &rathausv1alpha1.MunicipalityWorkspace{}))
			}).Should(BeTrue())

			Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}, &corev1.ResourceQuota{}))).To(BeTrue())
			err := k8s.Get(ctx, client.ObjectKeyFromObject(data), &corev1.Secret{})
			if dataKept {
				Expect(err).NotTo(HaveOccurred())
			} else {
				Expect(apierrors.IsNotFound(err)).To(BeTrue())
			}
			namespace := &corev1.Namespace{}
			Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
			Expect(namespace.Labels).NotTo(HaveKey("pod-security.kubernetes.io/enforce"), "the operator releases the labels it set")
			Expect(namespace.Labels).To(HaveKey("kubernetes.io/metadata.name"), "labels the operator did not set stay")
		},
		Entry("Retain keeps data", rathausv1alpha1.DeletionPolicyRetain, true),
		Entry("Delete removes data", rathausv1alpha1.DeletionPolicyDelete, false),
	)

	It("leaves a suspended workspace's stack alone", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Suspend = true })

		// Suspension leaves no mark in status, so the test cannot see when the operator has taken
		// it in: a reconcile that began before it, or one whose cache still holds the old spec, may
		// put the quota back once. A deletion that then stays deleted for two seconds is the proof;
		// an operator that ignored the suspension would restore every one of them.
		key := client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}
		deletionStays := func() bool {
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tenant.QuotaName}}))).To(Succeed())
			for range 20 {
				time.Sleep(100 * time.Millisecond)
				if !apierrors.IsNotFound(k8s.Get(ctx, key, &corev1.ResourceQuota{})) {
					return false
				}
			}
			return true
		}
		Eventually(deletionStays, "15s", "10ms").Should(BeTrue())

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Suspend = false })
		Eventually(func() error { return k8s.Get(ctx, key, &corev1.ResourceQuota{}) }).Should(Succeed())
	})
})

// readyWorkspaceWithTenantGroup is a Ready workspace in a namespace of its own whose tenant
// access names the group "it", so that it has a RoleBinding to prune.
func readyWorkspaceWithTenantGroup(ctx context.Context) (string, *rathausv1alpha1.MunicipalityWorkspace) {
	ns := createNamespace(ctx)
	ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
		w.Spec.TenantAccess.Groups = []string{"it"}
	})
	Expect(k8s.Create(ctx, ws)).To(Succeed())
	waitReady(ctx, ws)
	return ns, ws
}
