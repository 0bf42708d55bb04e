package controllers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"

	jose "github.com/go-jose/go-jose/v4"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
)

var _ = Describe("Gaia-X Loire credentials", func() {
	ctx := context.Background()

	// loirePlatform creates the provider's EC key and notary credential and a platform that
	// publishes Loire credentials and submits them to the fake clearing house.
	loirePlatform := func() string {
		keyNS := createNamespace(ctx)
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Expect(err).NotTo(HaveOccurred())
		der, err := x509.MarshalPKCS8PrivateKey(key)
		Expect(err).NotTo(HaveOccurred())
		notarised, err := vcjwt.Sign(key, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: "did:web:notary.example.eu#key", Iss: "did:web:notary.example.eu"},
			loire.StandInRegistration("did:web:notary.example.eu", "DE123456789", "DE", "2026-10-01T00:00:00Z"))
		Expect(err).NotTo(HaveOccurred())
		for name, data := range map[string]map[string][]byte{
			"gaiax-key":          {gaiax.SigningKeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})},
			"gaiax-registration": {gaiax.RegistrationCredentialKey: []byte(notarised)},
		} {
			Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: keyNS, Name: name}, Data: data})).To(Succeed())
		}
		name := uniqueName("loire")
		ensurePlatform(ctx, name, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.DataResidency.AllowedRegions = []string{"eu-central"}
			p.Spec.Provider = &rathausv1alpha1.ProviderIdentity{
				LegalName: "Nordcloud Kommunal GmbH", RegistrationNumber: "DE123456789", HeadquarterAddress: "DE-SH", LegalAddress: "DE-SH",
				TermsAndConditionsURL:  "https://provider.example.eu/terms",
				TermsAndConditionsHash: "4ad7ee8b2f7c4a1ac4bd7e1f1f7b5c0b7d2d6e8c4f7d0a6e5b5c1f0e9d8c7b6a",
				GaiaX: &rathausv1alpha1.GaiaXCredentials{
					Issuer:                       "did:web:provider.example.eu",
					SigningKeySecret:             &rathausv1alpha1.NamespacedName{Namespace: keyNS, Name: "gaiax-key"},
					RegistrationCredentialSecret: &rathausv1alpha1.NamespacedName{Namespace: keyNS, Name: "gaiax-registration"},
					CertificateChainURL:          "https://provider.example.eu/.well-known/chain.pem",
					ComplianceServiceURL:         clearingHouse.URL(),
					RegionCountries:              []rathausv1alpha1.RegionCountry{{Region: "eu-central", Country: "DE"}},
				},
			}
		})
		return name
	}

	It("publishes the credentials as JWTs, submits them once, keeps the compliance credential and submits again only when they change", func() {
		platform := loirePlatform()
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		vcid := "https://provider.example.eu/workspaces/" + ns + "/workspace/compliance.json"

		Eventually(condition(ctx, ws, rathausv1alpha1.ConditionGaiaXCompliant)).Should(Equal("True/Compliant"))
		cm := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ConfigMapName}, cm)).To(Succeed())
		Expect(cm.Data).To(HaveKey(gaiax.LegalPersonKey))
		Expect(cm.Data).To(HaveKey(gaiax.IssuerKey))
		Expect(cm.Data).To(HaveKey(gaiax.ServiceOfferingJWTKey))
		presentation := cm.Data[gaiax.PresentationKey]
		Expect(clearingHouse.submissions(vcid)).To(Equal([]string{presentation}), "the published presentation, submitted once")

		By("go-jose verifies the presentation with the key the DID document publishes")
		var method struct {
			PublicKeyJwk jose.JSONWebKey `json:"publicKeyJwk"`
		}
		Expect(json.Unmarshal([]byte(cm.Data[gaiax.DIDKeyKey]), &method)).To(Succeed())
		jws, err := jose.ParseSigned(presentation, []jose.SignatureAlgorithm{jose.ES256})
		Expect(err).NotTo(HaveOccurred())
		_, err = jws.Verify(method.PublicKeyJwk.Key)
		Expect(err).NotTo(HaveOccurred())

		got := getWorkspace(ctx, ws).Status.Credentials
		Expect(got.Format).To(Equal(rathausv1alpha1.GaiaXFormatLoire))
		Expect(got.Digest).To(Equal(gaiax.PresentationDigest(presentation)))
		Expect(got.Compliance.State).To(Equal(rathausv1alpha1.ComplianceCompliant))
		Expect(got.Compliance.CredentialID).To(Equal(vcid))
		Expect(got.Compliance.ValidUntil.UTC().Format("2006-01-02")).To(Equal("2027-03-01"))
		kept := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: gaiax.ComplianceConfigMapName}, kept)).To(Succeed())
		Expect(kept.Data[gaiax.ComplianceCredentialKey]).To(HavePrefix("eyJ"))
		Eventually(eventReasons(ctx, ns)).Should(ContainElement(rathausv1alpha1.ReasonGaiaXCompliant))

		By("a change that leaves the credentials as they are submits nothing and rewrites nothing")
		before := cm.ResourceVersion
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Admins = []string{"admin@" + ns + ".example.de"}
		})
		Eventually(observedCurrentGeneration(ctx, ws)).Should(BeTrue())
		Consistently(func() int { return len(clearingHouse.submissions(vcid)) }, "2s").Should(Equal(1))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cm), cm)).To(Succeed())
		Expect(cm.ResourceVersion).To(Equal(before))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(kept), kept)).To(Succeed(), "the compliance credential is not pruned")

		By("new credentials the service refuses: Rejected with its reason, and the condition says so")
		clearingHouse.setRefusing(true)
		DeferCleanup(clearingHouse.setRefusing, false)
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.DisplayName = "Stadt " + ns })
		Eventually(condition(ctx, ws, rathausv1alpha1.ConditionGaiaXCompliant)).Should(Equal("False/Rejected"))
		Expect(clearingHouse.submissions(vcid)).To(HaveLen(2))
		Expect(getWorkspace(ctx, ws).Status.Credentials.Compliance.Message).To(ContainSubstring("the terms and conditions could not be verified"))
		Eventually(eventReasons(ctx, ns)).Should(ContainElement(rathausv1alpha1.ReasonGaiaXComplianceRejected))
		Expect(condition(ctx, ws, "Stalled")()).NotTo(HavePrefix("True"), "a refusal does not stall the workspace")
	})

	It("stalls a Loire platform whose key cannot sign JWTs, and says what to do", func() {
		platform := loirePlatform()
		p := &rathausv1alpha1.WorkspacePlatform{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: platform}, p)).To(Succeed())
		ref := p.Spec.Provider.GaiaX.SigningKeySecret
		der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed([]byte("envtest-gaiax-signing-seed-32byt")))
		Expect(err).NotTo(HaveOccurred())
		secret := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, secret)).To(Succeed())
		secret.Data[gaiax.SigningKeyKey] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		Expect(k8s.Update(ctx, secret)).To(Succeed())

		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Platform = platform })
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/InvalidSpec"))
		stalled := meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, "Stalled")
		Expect(stalled.Message).To(ContainSubstring("format: Tagus"))
	})
})
