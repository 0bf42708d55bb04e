package controllers_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// envtest runs no controller-manager: Deployments and StatefulSets never report available
// replicas here, so these specs check what is created, kept and removed, and that the
// workspace waits for it (the simulated cluster of 'make demo' shows them becoming Ready).
var _ = Describe("Files service", func() {
	ctx := context.Background()

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	secretKey := func(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
	readSecret := func(ns, name string) map[string][]byte {
		s := &corev1.Secret{}
		Expect(k8s.Get(ctx, secretKey(ns, name), s)).To(Succeed())
		return s.Data
	}
	enableFiles := func(ws *rathausv1alpha1.MunicipalityWorkspace, on bool) {
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = on })
	}

	It("provisions Nextcloud with its database and cache, keeps credentials, and keeps data when switched off", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = true })
		Expect(k8s.Create(ctx, ws)).To(Succeed())

		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-nextcloud"}, &appsv1.Deployment{})
		}).Should(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-postgresql"}, &appsv1.StatefulSet{})).To(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-valkey"}, &appsv1.Deployment{})).To(Succeed())
		Eventually(condition(ctx, ws, "Ready")).Should(Equal("False/Progressing"))
		Eventually(condition(ctx, ws, "FilesReady")).Should(Equal("False/Progressing"))
		got := getWorkspace(ctx, ws)
		Expect(got.Status.Services).To(ConsistOf(And(
			HaveField("Name", "files"),
			HaveField("URL", "https://files."+ns+".example.de"),
			HaveField("Ready", Equal(metav1.ConditionFalse)),
		)))

		db := readSecret(ns, "rathaus-db-nextcloud")
		Expect(db).To(HaveKeyWithValue("host", []byte("rathaus-postgresql")))
		Expect(db).To(HaveKeyWithValue("dbname", []byte("nextcloud")))
		Expect(db["password"]).To(HaveLen(32))
		admin := readSecret(ns, "rathaus-nextcloud-admin")

		By("restarting the operator, no credential changes")
		stopManager()
		startManager()
		Consistently(func() map[string][]byte { return readSecret(ns, "rathaus-db-nextcloud") }, "2s").Should(Equal(db))
		Expect(readSecret(ns, "rathaus-nextcloud-admin")).To(Equal(admin))

		By("switching files off, workloads go and data stays")
		enableFiles(ws, false)
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-nextcloud"}, &appsv1.Deployment{}))
		}).Should(BeTrue())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-postgresql"}, &appsv1.StatefulSet{}))
		}).Should(BeTrue())
		waitReady(ctx, ws)
		Expect(condition(ctx, ws, "FilesReady")()).To(BeEmpty())
		Expect(getWorkspace(ctx, ws).Status.Services).To(BeEmpty())
		for _, claim := range []string{"rathaus-nextcloud-data", "rathaus-postgresql-data"} {
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: claim}, &corev1.PersistentVolumeClaim{})).To(Succeed(), claim)
		}
		Expect(readSecret(ns, "rathaus-db-nextcloud")).To(Equal(db))

		By("switching files on again, the same credentials are used")
		enableFiles(ws, true)
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-nextcloud"}, &appsv1.Deployment{})
		}).Should(Succeed())
		Expect(readSecret(ns, "rathaus-db-nextcloud")).To(Equal(db))
		Expect(readSecret(ns, "rathaus-nextcloud-admin")).To(Equal(admin))
	})

	It("removes the data of a switched-off service when the deletion policy is Delete", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Services.Files.Enabled = true
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-nextcloud-data"}, &corev1.PersistentVolumeClaim{})
		}).Should(Succeed())

		enableFiles(ws, false)
		// Deleted means gone, or terminating: envtest runs no pvc-protection controller to
		// remove the kubernetes.io/pvc-protection finalizer from claims.
		for _, obj := range []client.Object{&corev1.PersistentVolumeClaim{}, &corev1.Secret{}} {
			name := map[bool]string{true: "rathaus-nextcloud-data", false: "rathaus-db-nextcloud"}[isClaim(obj)]
			Eventually(func() bool {
				err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
				return apierrors.IsNotFound(err) || err == nil && !obj.GetDeletionTimestamp().IsZero()
			}).Should(BeTrue(), name)
		}
		waitReady(ctx, ws)
	})

	DescribeTable("stalls with a clear reason when the platform relies on an API that is not installed",
		func(platformSpec func(*rathausv1alpha1.WorkspacePlatform), reason string) {
			platform := uniqueName("needs")
			ensurePlatform(ctx, platform, platformSpec)
			ns := createNamespace(ctx)
			ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
				w.Spec.Platform = platform
				w.Spec.Services.Files.Enabled = true
			})
			Expect(k8s.Create(ctx, ws)).To(Succeed())
			Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/" + reason))
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-nextcloud"}, &appsv1.Deployment{})).NotTo(Succeed())
		},
		Entry("CloudNativePG", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Database.Mode = rathausv1alpha1.DatabaseCloudNativePG
		}, "CloudNativePGMissing"),
		Entry("Gateway API", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Ingress.Gateway = &rathausv1alpha1.GatewayRef{Namespace: "gateways", Name: "public"}
		}, "GatewayAPIMissing"),
	)

	It("stalls instead of overwriting a Secret it does not manage", func() {
		ns := createNamespace(ctx)
		foreign := &corev1.Secret{}
		foreign.Namespace, foreign.Name = ns, "rathaus-nextcloud-admin"
		foreign.StringData = map[string]string{"password": "chosen-by-a-human"}
		Expect(k8s.Create(ctx, foreign)).To(Succeed())

		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = true })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/SecretConflict"))
		Expect(readSecret(ns, "rathaus-nextcloud-admin")).To(HaveKeyWithValue("password", []byte("chosen-by-a-human")))
	})
})

func isClaim(obj client.Object) bool {
	_, ok := obj.(*corev1.PersistentVolumeClaim)
	return ok
}

var _ = Describe("Video service", func() {
	ctx := context.Background()

	It("runs the bridge on the node port the cluster allocated, and keeps credentials when switched off", func() {
		platform := uniqueName("nodeport")
		ensurePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
		})
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform
			w.Spec.Services.Video = rathausv1alpha1.VideoService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}, PublicRooms: true}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())

		media := &corev1.Service{}
		Eventually(func() int32 {
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-jvb-media"}, media); err != nil {
				return 0
			}
			return media.Spec.Ports[0].NodePort
		}).ShouldNot(BeZero())
		nodePort := media.Spec.Ports[0].NodePort

		bridge := &appsv1.Deployment{}
		Eventually(func() string {
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-jitsi-jvb"}, bridge); err != nil {
				return err.Error()
			}
			for _, e := range bridge.Spec.Template.Spec.Containers[0].Env {
				if e.Name == "JVB_PORT" {
					return e.Value
				}
			}
			return "no JVB_PORT"
		}).Should(Equal(fmt.Sprint(nodePort)), "the bridge listens on the allocated node port")
		Expect(*bridge.Spec.Replicas).To(Equal(int32(1)))
		// The Service is applied after the Deployment in the same pass.
		Eventually(func() int {
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-jvb-media"}, media)).To(Succeed())
			return media.Spec.Ports[0].TargetPort.IntValue()
		}).Should(Equal(int(nodePort)))
		jvbSecret := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-jitsi-jvb"}, jvbSecret)).To(Succeed())
		Expect(getWorkspace(ctx, ws).Status.Hosts).NotTo(ContainElement("id."+ns+".example.de"), "public rooms need no identity provider")

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Video.Enabled = false })
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-jitsi-jvb"}, &appsv1.Deployment{}))
		}).Should(BeTrue())
		kept := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(jvbSecret), kept)).To(Succeed())
		Expect(kept.Data).To(Equal(jvbSecret.Data))
	})
})
