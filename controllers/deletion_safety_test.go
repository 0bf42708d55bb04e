package controllers_test

import (
	"context"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// protectionMessage is the part of the policy's message that tells the user how to proceed.
const protectionMessage = "with deletionPolicy Retain; delete the workspace first"

// installAdmissionPolicies creates what config/admission ships, as a provider would apply it,
// and waits until the API server enforces it: policies take effect asynchronously.
func installAdmissionPolicies(ctx context.Context) {
	installed := 0
	for _, file := range []string{"namespace-protection.yaml", "workspace-fields.yaml", "operator-scope.yaml"} {
		installed += applyManifests(ctx, filepath.Join("..", "config", "admission", file))
	}
	Expect(installed).To(Equal(6), "config/admission ships three policies and their bindings")

	probe := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   "admission-probe",
		Labels: map[string]string{tenant.DeletionProtectionLabel: "true"},
	}}
	Expect(k8s.Create(ctx, probe)).To(Succeed())
	Eventually(func() error { return k8s.Delete(ctx, probe, client.DryRunAll) }).Should(MatchError(ContainSubstring(protectionMessage)))
	inSystem := &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "admission-probe"},
		Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{DisplayName: "Probe", Domain: "probe.example"},
	}
	Eventually(func() error { return k8s.Create(ctx, inSystem, client.DryRunAll) }).Should(MatchError(ContainSubstring("is a system namespace")))
}

// Deleting a namespace is how a municipality's data would vanish in one command, past every
// deletion policy; the policy in config/admission stops that while a Retain workspace lives.
var _ = Describe("Namespace deletion protection", func() {
	ctx := context.Background()

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	// protected reports whether the namespace carries the protection label.
	protected := func(ns string) func() bool {
		return func() bool {
			got := &corev1.Namespace{}
			Expect(k8s.Get(ctx, client.ObjectKey{Name: ns}, got)).To(Succeed())
			return got.Labels[tenant.DeletionProtectionLabel] == "true"
		}
	}
	namespaceObj := func(ns string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	}

	It("refuses deleting the namespace of a Retain workspace and allows it once the workspace is gone", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyRetain
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		Expect(protected(ns)()).To(BeTrue())

		err := k8s.Delete(ctx, namespaceObj(ns))
		Expect(apierrors.IsForbidden(err) || apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("namespace " + ns + " holds the MunicipalityWorkspace workspace " + protectionMessage))
		Expect(err.Error()).To(ContainSubstring("or set its spec.deletionPolicy to Delete"))
		Expect(getWorkspace(ctx, ws).DeletionTimestamp).To(BeNil(), "nothing was deleted")

		Expect(k8s.Delete(ctx, ws)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(ws), &rathausv1alpha1.MunicipalityWorkspace{}))
		}).Should(BeTrue())
		Expect(protected(ns)()).To(BeFalse(), "finalizing releases the label with the operator's other namespace labels")
		Expect(k8s.Delete(ctx, namespaceObj(ns))).To(Succeed())
	})

	It("does not protect the namespace of a Delete workspace, and follows a change of policy", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		Expect(protected(ns)()).To(BeFalse())
		// Dry run: admission decides as for a real request, and the workspace stays usable.
		Expect(k8s.Delete(ctx, namespaceObj(ns), client.DryRunAll)).To(Succeed())

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyRetain
		})
		Eventually(protected(ns)).Should(BeTrue())
		Expect(k8s.Delete(ctx, namespaceObj(ns), client.DryRunAll)).To(MatchError(ContainSubstring(protectionMessage)))

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
		})
		Eventually(protected(ns)).Should(BeFalse())
		Expect(k8s.Delete(ctx, namespaceObj(ns), client.DryRunAll)).To(Succeed())
	})
})
