package controllers_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax"
)

var _ = Describe("Gaia-X credentials", func() {
	ctx := context.Background()

	// gaiaXPlatform creates a platform with a provider identity whose Tagus credentials are
	// signed with the key in keyRef, changed by mutate.
	gaiaXPlatform := func(keyRef rathausv1alpha1.NamespacedName, mutate ...func(*rathausv1alpha1.GaiaXCredentials)) string {
		name := uniqueName("gaiax")
		ensurePlatform(ctx, name, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
			p.Spec.Provider = &rathausv1alpha1.ProviderIdentity{
				LegalName:              "Nordcloud Kommunal GmbH",
				RegistrationNumber:     "DE123456789",
				HeadquarterAddress:     "DE-SH",
				LegalAddress:           "DE-SH",
				TermsAndConditionsURL:  "https://provider.example.eu/terms",
				TermsAndConditionsHash: "4ad7ee8b2f7c4a1ac4bd7e1f1f7b5c0b7d2d6e8c4f7d0a6e5b5c1f0e9d8c7b6a",
				GaiaX: &rathausv1alpha1.GaiaXCredentials{
					Format:           rathausv1alpha1.GaiaXFormatTagus,
					Issuer:           "did:web:provider.example.eu",
					SigningKeySecret: &keyRef,
					RegionCountries:  []rathausv1alpha1.RegionCountry{{Region: "eu-central", Country: "DE"}},
				},
			}
			for _, m := range mutate {
				m(p.Spec.Provider.GaiaX)
			}
		})
		return name
	}

	It("publishes a signed Tagus service offering in the workspace namespace and summarises it in status", func() {
		key := ed25519.NewKeyFromSeed([]byte("envtest-gaiax-signing-seed-32byt"))
		der, err := x509.MarshalPKCS8PrivateKey(key)
		Expect(err).NotTo(HaveOccurred())
		keyNS := createNamespace(ctx)
		Expect(k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: keyNS, Name: "gaiax-key"},
			Data:       map[string][]byte{gaiax.SigningKeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})},
		})).To(Succeed())
		platform := gaiaXPlatform(rathausv1alpha1.NamespacedName{Namespace: keyNS, Name: "gaiax-key"})

		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())

		cm := &corev1.ConfigMap{}
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ConfigMapName}, cm)
		}).Should(Succeed())
		offering := []byte(cm.Data[gaiax.ServiceOfferingKey])
		Expect(gaiax.Verify(offering, key.Public())).To(Succeed())
		Expect(gaiax.Verify([]byte(cm.Data[gaiax.LegalParticipantKey]), key.Public())).To(Succeed())
		var doc map[string]any
		Expect(json.Unmarshal(offering, &doc)).To(Succeed())
		_, err = gaiax.Expand(doc)
		Expect(err).NotTo(HaveOccurred())
		subject := doc["credentialSubject"].(map[string]any)
		Expect(subject).To(HaveKeyWithValue("type", "gx:ServiceOffering"))
		Expect(subject).To(HaveKeyWithValue("gx:providedBy", map[string]any{"id": "did:web:provider.example.eu"}))
		// The offering is dated by the objects it describes, not by the clock.
		Expect(doc).To(HaveKeyWithValue("issuanceDate", getWorkspace(ctx, ws).CreationTimestamp.UTC().Format("2006-01-02T15:04:05Z07:00")))

		// The workspace is not Ready here: envtest has no node in the allowed region. The
		// credentials are published and summarised all the same, once the stack is applied.
		sum := sha256.Sum256(offering)
		Eventually(func() *rathausv1alpha1.CredentialsStatus { return getWorkspace(ctx, ws).Status.Credentials }).Should(Equal(&rathausv1alpha1.CredentialsStatus{
			ConfigMap:  gaiax.ConfigMapName,
			Format:     rathausv1alpha1.GaiaXFormatTagus,
			OfferingID: "did:web:provider.example.eu#workspace/" + ns + "/workspace/credential",
			Signed:     true,
			Digest:     "sha256:" + hex.EncodeToString(sum[:]),
		}))

		By("reconciling again, the published credentials stay byte for byte the same")
		before := cm.ResourceVersion
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Admins = []string{"admin@" + ns + ".example.de"}
		})
		Eventually(observedCurrentGeneration(ctx, ws)).Should(BeTrue())
		Consistently(func() string {
			got := &corev1.ConfigMap{}
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cm), got)).To(Succeed())
			return got.ResourceVersion
		}, "2s").Should(Equal(before))
	})

	DescribeTable("refuses incomplete Gaia-X settings at admission",
		func(mutate func(*rathausv1alpha1.ProviderIdentity), message string) {
			p := &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("gaiax-invalid")}}
			p.Spec.Provider = &rathausv1alpha1.ProviderIdentity{
				LegalName: "Nordcloud Kommunal GmbH", RegistrationNumber: "DE123456789", HeadquarterAddress: "DE-SH", LegalAddress: "DE-SH",
				TermsAndConditionsURL: "https://provider.example.eu/terms", TermsAndConditionsHash: "4ad7",
				GaiaX: &rathausv1alpha1.GaiaXCredentials{Issuer: "did:web:provider.example.eu", Format: rathausv1alpha1.GaiaXFormatTagus},
			}
			mutate(p.Spec.Provider)
			err := k8s.Create(ctx, p)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("no terms hash", func(p *rathausv1alpha1.ProviderIdentity) { p.TermsAndConditionsHash = "" },
			"provider.gaiaX needs registrationNumber, headquarterAddress, legalAddress, termsAndConditionsURL and termsAndConditionsHash"),
		Entry("issuer that is no did:web", func(p *rathausv1alpha1.ProviderIdentity) { p.GaiaX.Issuer = "https://provider.example.eu" },
			"provider.gaiaX.issuer must be a did:web identifier"),
		Entry("verification method without fragment", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.VerificationMethod = "did:web:provider.example.eu"
		}, "provider.gaiaX.verificationMethod must be a did:web URL with a fragment"),
		Entry("country that is no ISO code", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.RegionCountries = []rathausv1alpha1.RegionCountry{{Region: "eu-central", Country: "de"}}
		}, "country must be an ISO 3166-1 alpha-2 code"),
		Entry("Loire, the default, without a signing key", func(p *rathausv1alpha1.ProviderIdentity) { p.GaiaX.Format = "" },
			"provider.gaiaX.signingKeySecret is required for Loire credentials"),
		Entry("Loire without the notary's registration credential", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.Format = rathausv1alpha1.GaiaXFormatLoire
			p.GaiaX.SigningKeySecret = &rathausv1alpha1.NamespacedName{Namespace: "default", Name: "key"}
		}, "provider.gaiaX.registrationCredentialSecret is required for Loire credentials"),
		Entry("a compliance service for Tagus credentials", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.ComplianceServiceURL = "https://compliance.lab.gaia-x.eu/v2"
			p.GaiaX.CertificateChainURL = "https://provider.example.eu/chain.pem"
		}, "provider.gaiaX.complianceServiceURL needs format Loire and a certificateChainURL"),
		Entry("a compliance service without a certificate chain", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.Format = rathausv1alpha1.GaiaXFormatLoire
			p.GaiaX.SigningKeySecret = &rathausv1alpha1.NamespacedName{Namespace: "default", Name: "key"}
			p.GaiaX.RegistrationCredentialSecret = &rathausv1alpha1.NamespacedName{Namespace: "default", Name: "registration"}
			p.GaiaX.ComplianceServiceURL = "https://compliance.lab.gaia-x.eu/v2"
		}, "provider.gaiaX.complianceServiceURL needs format Loire and a certificateChainURL"),
		Entry("a compliance service over plain HTTP", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.ComplianceServiceURL = "http://compliance.lab.gaia-x.eu/v2"
		}, "provider.gaiaX.complianceServiceURL must be an https:// URL"),
		Entry("terms of Gaia-X the shapes do not accept", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.GaiaXTermsHash = "4ad7"
		}, "gaiaXTermsHash"),
		Entry("a region that is no NUTS-2 code", func(p *rathausv1alpha1.ProviderIdentity) {
			p.GaiaX.LegalAddressRegion = "SH"
		}, "provider.gaiaX.legalAddressRegion must be a NUTS-2 code"),
	)

	It("stalls while the signing key Secret is missing, and goes on as soon as it exists", func() {
		keyRef := rathausv1alpha1.NamespacedName{Namespace: "default", Name: uniqueName("absent-key")}
		platform := gaiaXPlatform(keyRef)
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/PlatformSecretMissing"))
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ConfigMapName}, &corev1.ConfigMap{})).NotTo(Succeed())

		By("the provider creates the Secret: its watch, not a timer, brings the workspace on")
		der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed([]byte("envtest-gaiax-signing-seed-32byt")))
		Expect(err).NotTo(HaveOccurred())
		Expect(k8s.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: keyRef.Namespace, Name: keyRef.Name},
			Data:       map[string][]byte{gaiax.SigningKeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})},
		})).To(Succeed())
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ConfigMapName}, &corev1.ConfigMap{})
		}, 10*time.Second).Should(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).ShouldNot(HavePrefix("True"))
	})

	It("publishes nothing for a platform without provider identity", func() {
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de")
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		Expect(getWorkspace(ctx, ws).Status.Credentials).To(BeNil())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ConfigMapName}, &corev1.ConfigMap{})).NotTo(Succeed())
	})
})
