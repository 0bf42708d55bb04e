package controllers_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

var _ = Describe("Media service", func() {
	ctx := context.Background()

	get := func(ns, name string, obj client.Object) error {
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
	}
	secretData := func(ns, name string) map[string][]byte {
		s := &corev1.Secret{}
		Expect(get(ns, name, s)).To(Succeed())
		return s.Data
	}
	gone := func(ns, name string, obj client.Object) func() bool {
		return func() bool { return apierrors.IsNotFound(get(ns, name, obj)) }
	}
	conditions := func(ws *rathausv1alpha1.MunicipalityWorkspace) func() string {
		return func() string { return fmt.Sprintf("%+v", getWorkspace(ctx, ws).Status.Conditions) }
	}
	generated := []string{"rathaus-opencast-admin", "rathaus-opencast-digest", "rathaus-opencast-proxy", "rathaus-db-opencast"}

	It("runs Opencast all-in-one with OpenSearch on S, keeps its credentials, and keeps its data when switched off", func() {
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Size = rathausv1alpha1.SizeS
			w.Spec.Services.Media.Enabled = true
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())

		Eventually(func() error { return get(ns, "rathaus-opencast-allinone", &appsv1.StatefulSet{}) }).Should(Succeed())
		Eventually(func() error { return get(ns, "rathaus-opensearch", &appsv1.StatefulSet{}) }).Should(Succeed())
		Eventually(func() error { return get(ns, "rathaus-opencast-admin-proxy", &appsv1.Deployment{}) }).Should(Succeed())
		Expect(get(ns, "rathaus-opencast-admin", &appsv1.StatefulSet{})).NotTo(Succeed(), "S runs no separate admin node")
		Eventually(condition(ctx, ws, "MediaReady")).Should(Equal("False/Progressing"))
		Expect(getWorkspace(ctx, ws).Status.Hosts).To(ContainElements("media."+ns+".example.de", "media-admin."+ns+".example.de"))

		creds := map[string]map[string][]byte{}
		for _, name := range generated {
			creds[name] = secretData(ns, name)
			Expect(creds[name]).NotTo(BeEmpty(), name)
		}
		Expect(creds["rathaus-opencast-proxy"]["cookie-secret"]).To(HaveLen(32))

		By("restarting the operator, no credential changes")
		stopManager()
		startManager()
		Consistently(func() map[string][]byte { return secretData(ns, "rathaus-opencast-digest") }, "2s").Should(Equal(creds["rathaus-opencast-digest"]))
		for _, name := range generated {
			Expect(secretData(ns, name)).To(Equal(creds[name]), name)
		}

		By("switching media off, workloads go and data stays")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Media.Enabled = false })
		Eventually(gone(ns, "rathaus-opencast-allinone", &appsv1.StatefulSet{})).Should(BeTrue())
		Eventually(gone(ns, "rathaus-opensearch", &appsv1.StatefulSet{})).Should(BeTrue())
		waitReady(ctx, ws)
		for _, claim := range []string{"rathaus-opencast-data", "rathaus-opensearch-data"} {
			Expect(get(ns, claim, &corev1.PersistentVolumeClaim{})).To(Succeed(), claim)
		}
		for _, name := range generated {
			Expect(secretData(ns, name)).To(Equal(creds[name]), name)
		}
	})

	It("stalls a multi-node tier on a platform without shared storage, leaving the other services as they are", func() {
		platform := uniqueName("no-rwx")
		ensurePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
		})
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform
			w.Spec.Size = rathausv1alpha1.SizeL
			// Video, not files: Nextcloud's own volume changes its access mode when the
			// platform gains a ReadWriteMany class below, which is not what this spec is about.
			w.Spec.Services.Video.Enabled = true
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		jitsi := &appsv1.Deployment{}
		Eventually(func() error { return get(ns, "rathaus-jitsi-web", jitsi) }).Should(Succeed())
		waitQuiet(ctx)
		Expect(get(ns, "rathaus-jitsi-web", jitsi)).To(Succeed())
		before := jitsi.ResourceVersion

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Media.Enabled = true })
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/SharedStorageMissing"))
		stalled := meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, "Stalled")
		Expect(stalled.Message).To(And(ContainSubstring("readWriteManyClass"), ContainSubstring("size L")))
		Expect(get(ns, "rathaus-opencast-admin", &appsv1.StatefulSet{})).NotTo(Succeed())
		Expect(get(ns, "rathaus-jitsi-web", jitsi)).To(Succeed())
		Expect(jitsi.ResourceVersion).To(Equal(before), "video must be left as it was")

		By("the platform gaining a ReadWriteMany class, the nodes are rendered")
		p := &rathausv1alpha1.WorkspacePlatform{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: platform}, p)).To(Succeed())
		p.Spec.Storage.ReadWriteManyClass = "shared"
		Expect(k8s.Update(ctx, p)).To(Succeed())
		Eventually(func() error { return get(ns, "rathaus-opencast-admin", &appsv1.StatefulSet{}) }).Should(Succeed(), conditions(ws))
		Eventually(func() error { return get(ns, "rathaus-opencast-worker", &appsv1.StatefulSet{}) }).Should(Succeed())
		workers := &appsv1.StatefulSet{}
		Expect(get(ns, "rathaus-opencast-worker", workers)).To(Succeed())
		Expect(*workers.Spec.Replicas).To(Equal(int32(2)))
		claim := &corev1.PersistentVolumeClaim{}
		Expect(get(ns, "rathaus-opencast-data", claim)).To(Succeed())
		Expect(claim.Spec.AccessModes).To(ConsistOf(corev1.ReadWriteMany))
		Eventually(condition(ctx, ws, "Stalled")).ShouldNot(HavePrefix("True"))
	})
})
