package controllers_test

import (
	"context"
	"encoding/base64"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/secrets"
)

// recordValues returns the values of the workspace's published records of a name and type.
func recordValues(ws *rathausv1alpha1.MunicipalityWorkspace, name, typ string) []string {
	var out []string
	for _, r := range ws.Status.DNSRecords {
		if r.Name == name && r.Type == typ {
			out = append(out, r.Value)
		}
	}
	return out
}

var _ = Describe("Mail service", func() {
	ctx := context.Background()

	It("provisions Stalwart, keeps the DKIM key across restarts and switch-offs, and lists the DNS records", func() {
		platform := uniqueName("mail")
		ensurePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.DNS.IngressTargets = []string{"ingress.provider.example"}
			p.Spec.Mail.PublicAddresses = []string{"192.0.2.25"}
		})
		ns := createNamespace(ctx)
		domain := ns + ".example.de"
		ws := newWorkspace(ns, domain, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform
			w.Spec.Admins = []string{"it@" + domain}
			w.Spec.Services.Mail.Enabled = true
			w.Spec.Services.Files.Enabled = true
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		key := func(name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }
		readSecret := func(name string) map[string][]byte {
			s := &corev1.Secret{}
			Expect(k8s.Get(ctx, key(name), s)).To(Succeed())
			return s.Data
		}
		dkimSecret := "rathaus-dkim-" + strings.ReplaceAll(domain, ".", "-")

		Eventually(func() error { return k8s.Get(ctx, key("rathaus-stalwart"), &appsv1.StatefulSet{}) }).Should(Succeed())
		public := &corev1.Service{}
		// Applied after the engine's objects, possibly in a later pass.
		Eventually(func() error { return k8s.Get(ctx, key("rathaus-mail-public"), public) }).Should(Succeed())
		Expect(public.Spec.Type).To(Equal(corev1.ServiceTypeLoadBalancer))
		Expect(public.Spec.Ports).To(ContainElement(HaveField("Port", int32(25))))
		Expect(readSecret("rathaus-stalwart-admin")["password"]).To(HaveLen(32))
		Expect(readSecret("rathaus-db-stalwart")).To(HaveKeyWithValue("dbname", []byte("stalwart")))
		Expect(k8s.Get(ctx, key("rathaus-stalwart-data"), &corev1.PersistentVolumeClaim{})).To(Succeed())
		Eventually(condition(ctx, ws, "MailReady")).Should(Equal("False/Progressing"))

		dkim := readSecret(dkimSecret)
		Expect(string(dkim["dkim.key"])).To(HavePrefix("-----BEGIN PRIVATE KEY-----"))
		der, err := secrets.PublicKeyDER(dkim["dkim.key"])
		Expect(err).NotTo(HaveOccurred())

		By("publishing the records, DKIM from the generated key")
		Eventually(func() []string {
			return recordValues(getWorkspace(ctx, ws), "rathaus1._domainkey."+domain, "TXT")
		}).Should(Equal([]string{"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)}))
		got := getWorkspace(ctx, ws)
		Expect(recordValues(got, domain, "MX")).To(Equal([]string{"10 mail." + domain + "."}))
		Expect(recordValues(got, "mail."+domain, "A")).To(Equal([]string{"192.0.2.25"}))
		Expect(recordValues(got, "files."+domain, "CNAME")).To(Equal([]string{"ingress.provider.example."}))
		zone := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, key("rathaus-dns"), zone)).To(Succeed())
		Expect(zone.Data["zone.txt"]).To(ContainSubstring("rathaus1._domainkey." + domain + "."))

		By("restarting the operator, the DKIM key stays byte for byte")
		stopManager()
		startManager()
		Consistently(func() map[string][]byte { return readSecret(dkimSecret) }, "2s").Should(Equal(dkim))

		By("switching mail off, the server goes, its volume and the DKIM key stay")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Mail.Enabled = false })
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, key("rathaus-stalwart"), &appsv1.StatefulSet{}))
		}).Should(BeTrue())
		Eventually(func() []string { return recordValues(getWorkspace(ctx, ws), domain, "MX") }).Should(BeEmpty())
		Expect(recordValues(getWorkspace(ctx, ws), "files."+domain, "CNAME")).To(Equal([]string{"ingress.provider.example."}))
		Expect(k8s.Get(ctx, key("rathaus-stalwart-data"), &corev1.PersistentVolumeClaim{})).To(Succeed())
		Expect(readSecret(dkimSecret)).To(Equal(dkim))
		Expect(k8s.Get(ctx, key("rathaus-dns"), zone)).To(Succeed())
		Expect(zone.Data["zone.txt"]).NotTo(ContainSubstring("_domainkey"))

		By("switching mail on again, the same key is published")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Mail.Enabled = true })
		Eventually(func() []string {
			return recordValues(getWorkspace(ctx, ws), "rathaus1._domainkey."+domain, "TXT")
		}).Should(Equal([]string{"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)}))
		Expect(readSecret(dkimSecret)).To(Equal(dkim))
	})

	It("stalls with CertManagerMissing when mail needs a certificate and cert-manager is not installed", func() {
		platform := uniqueName("issuer")
		ensurePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) { p.Spec.Ingress.ClusterIssuer = "letsencrypt" })
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform
			w.Spec.Services.Files.Enabled = true
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "FilesReady")).Should(Equal("False/Progressing"), "without mail no certificate is needed")

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Mail.Enabled = true })
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/CertManagerMissing"))
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rathaus-stalwart"}, &appsv1.StatefulSet{})).NotTo(Succeed())
	})
})
