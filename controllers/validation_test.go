package controllers_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// These specs prove that the API server itself refuses bad input with a message a
// municipality's admin can act on, before the operator ever sees it.
var _ = Describe("MunicipalityWorkspace admission", func() {
	ctx := context.Background()

	DescribeTable("refuses invalid workspaces at creation",
		func(mutate func(*rathausv1alpha1.MunicipalityWorkspace), message string) {
			ns := createNamespace(ctx)
			ws := newWorkspace(ns, ns+".example.de", mutate)
			err := k8s.Create(ctx, ws)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("bad domain", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Domain = "Not A Domain" },
			"domain must be a lower-case DNS name such as musterstadt.de"),
		Entry("umlaut domain", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Domain = "münchen.de" },
			"write umlauts in punycode"),
		Entry("two release selectors", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Channel: "stable", Version: "2026.11.0"}
		}, "set exactly one of release.channel or release.version"),
		Entry("release version with a leading zero", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: "2026.01.0"}
		}, "release.version must be a calendar version such as 2026.11.0"),
		Entry("AGS of 7 digits", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = "0100200" },
			"municipalityKey must be the 8-digit Amtlicher Gemeindeschlüssel"),
		Entry("unknown size", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Size = "XXL" },
			`Unsupported value: "XXL"`),
		Entry("admin that is no e-mail address", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Admins = []string{"root"} },
			"admins must be e-mail addresses"),
		Entry("maintenance window too short", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "02:00", Duration: "10m"}
		}, "maintenanceWindow.duration must lie between 30m and 24h"),
		Entry("maintenance window start", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "25:00", Duration: "1h"}
		}, "maintenanceWindow.start must be a time such as 02:30"),
		Entry("bad service host", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Host = "files_.example.de" },
			"host must be a lower-case DNS name"),
	)

	It("fills defaults", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Expect(ws.Spec.Size).To(Equal(rathausv1alpha1.SizeS))
		Expect(ws.Spec.Release.Channel).To(Equal("stable"))
		Expect(ws.Spec.Platform).To(Equal("default"))
		Expect(ws.Spec.DeletionPolicy).To(Equal(rathausv1alpha1.DeletionPolicyRetain))
	})

	It("refuses changes of immutable fields", func() {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = "01002000" })
		Expect(k8s.Create(ctx, ws)).To(Succeed())

		// Merge patches, as kubectl edit sends them, so that the operator's own writes (the
		// finalizer) cannot make the request fail for another reason.
		for _, tc := range []struct {
			mutate  func(*rathausv1alpha1.MunicipalityWorkspace)
			message string
		}{
			{func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Domain = "elsewhere.de" }, "domain is immutable"},
			{func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = "" }, "municipalityKey cannot be changed or removed once set"},
			{func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = "01002001" }, "municipalityKey cannot be changed or removed once set"},
		} {
			changed := ws.DeepCopy()
			tc.mutate(changed)
			err := k8s.Patch(ctx, changed, client.MergeFrom(ws))
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring(tc.message))
		}
	})

	It("keeps StackReleases immutable and named after their version", func() {
		r := &rathausv1alpha1.StackRelease{
			ObjectMeta: metav1.ObjectMeta{Name: "2020.1.0"},
			Spec:       rathausv1alpha1.StackReleaseSpec{Version: "2020.1.1"},
		}
		err := k8s.Create(ctx, r)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("a StackRelease's name must equal spec.version"))

		r.Spec.Version = "2020.1.0"
		Expect(k8s.Create(ctx, r)).To(Succeed())
		r.Spec.Channels = []string{"stable"}
		err = k8s.Update(ctx, r)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("a StackRelease is immutable"))
		Expect(k8s.Delete(ctx, r)).To(Succeed())
	})
})
