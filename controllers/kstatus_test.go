package controllers_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// kstatus is what Flux health checks, 'kubectl wait' users and Argo CD's generic checks read.
// These specs run its computation on real workspaces in each state.
var _ = Describe("kstatus of workspaces", func() {
	ctx := context.Background()

	kstatus := func(ws *rathausv1alpha1.MunicipalityWorkspace) func() status.Status {
		return func() status.Status {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(rathausv1alpha1.GroupVersion.WithKind("MunicipalityWorkspace"))
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ws), u)).To(Succeed())
			res, err := status.Compute(u)
			Expect(err).NotTo(HaveOccurred())
			return res.Status
		}
	}

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	It("is Current once provisioned", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		// Before the operator writes any status, kstatus calls every object without conditions
		// Current; so the check that matters comes after Ready.
		waitReady(ctx, ws)
		Expect(kstatus(ws)()).To(Equal(status.CurrentStatus))
	})

	It("is InProgress while services come up", func() {
		ns := createNamespace(ctx)
		// envtest runs no controllers: the Deployments never become available.
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = true })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Ready")).Should(Equal("False/Progressing"))
		Expect(kstatus(ws)()).To(Equal(status.InProgressStatus))
	})

	It("is Failed when stalled", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = uniqueName("missing") })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(kstatus(ws)).Should(Equal(status.FailedStatus))
		Expect(condition(ctx, ws, "Stalled")()).To(Equal("True/PlatformNotFound"))
	})

	It("is InProgress after a spec change until the operator has seen it", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		Expect(kstatus(ws)()).To(Equal(status.CurrentStatus))
		stopManager()
		DeferCleanup(startManager)
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Size = rathausv1alpha1.SizeM })
		got := getWorkspace(ctx, ws)
		Expect(got.Generation).To(BeNumerically(">", got.Status.ObservedGeneration), "the operator is stopped, so it cannot have observed the change")
		Expect(kstatus(ws)()).To(Equal(status.InProgressStatus), "observedGeneration lags behind generation")
	})
})
