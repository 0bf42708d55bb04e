package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// GaiaXCredentials configures the Gaia-X credentials the operator publishes in the ConfigMap
// rathaus-gaiax of every workspace namespace. In the Loire format (the default) they are the
// provider's gx:LegalPerson and gx:Issuer and the workspace's gx:ServiceOffering in the 25.11
// vocabulary, each a W3C VC 2.0 secured as a JWT (vc+jwt), and a presentation of them (vp+jwt)
// as a Gaia-X compliance service takes it; in the Tagus format, asked for explicitly, the
// Trust Framework 22.10 gx:LegalParticipant and gx:ServiceOffering with JsonWebSignature2020
// proofs. docs/sovereignty.md says what the provider supplies.
// +kubebuilder:validation:XValidation:rule="self.format == 'Tagus' || has(self.signingKeySecret)",message="provider.gaiaX.signingKeySecret is required for Loire credentials, which are JWTs: an RSA (2048 bits or more) or EC P-256 key"
// +kubebuilder:validation:XValidation:rule="self.format == 'Tagus' || has(self.registrationCredentialSecret)",message="provider.gaiaX.registrationCredentialSecret is required for Loire credentials: the registration number credential a Gaia-X notary issued for the provider"
// +kubebuilder:validation:XValidation:rule="!has(self.complianceServiceURL) || (self.format != 'Tagus' && has(self.certificateChainURL))",message="provider.gaiaX.complianceServiceURL needs format Loire and a certificateChainURL: the compliance service checks the signing key's certificate chain"
type GaiaXCredentials struct {
	// Format is the Gaia-X release the credentials follow: Loire (Trust Framework and ICAM
	// 25.11, VC 2.0 as JWTs) or Tagus (Trust Framework 22.10, embedded JsonWebSignature2020
	// proofs), which current compliance services refuse.
	// +optional
	// +kubebuilder:default=Loire
	Format GaiaXFormat `json:"format,omitempty"`

	// Issuer is the provider's did:web identifier, e.g. did:web:provider.example.eu. It issues
	// the credentials and is the participant's identifier.
	// +kubebuilder:validation:MinLength=9
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^did:web:[a-zA-Z0-9.%-]+(:[a-zA-Z0-9._%-]+)*$')",message="provider.gaiaX.issuer must be a did:web identifier such as did:web:provider.example.eu"
	Issuer string `json:"issuer"`

	// VerificationMethod is the DID URL of the public key in the issuer's DID document that
	// verifies the credentials' signatures; Issuer + "#key-1" when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('did:web:') && self.contains('#')",message="provider.gaiaX.verificationMethod must be a did:web URL with a fragment, e.g. did:web:provider.example.eu#key-1"
	VerificationMethod string `json:"verificationMethod,omitempty"`

	// SigningKeySecret holds the private key that signs the credentials, as PKCS#8 PEM
	// ("PRIVATE KEY") under the key "key.pem". Loire: RSA of at least 2048 bits (PS256) or EC
	// P-256 (ES256), the key of the certificate at certificateChainURL. Tagus: Ed25519 (EdDSA)
	// or RSA (RS256), and without it the credentials are published unsigned. Every signature
	// is deterministic, so the credentials only change when their content does.
	// +optional
	SigningKeySecret *NamespacedName `json:"signingKeySecret,omitempty"`

	// CertificateChainURL is where the signing key's X.509 certificate chain is published as
	// PEM, leaf first, issued by a trust service provider Gaia-X accepts: the x5u of the key in
	// the issuer's DID document (the ConfigMap's did-key.json), which compliance services
	// check. Loire only.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://')",message="provider.gaiaX.certificateChainURL must be an https:// URL"
	CertificateChainURL string `json:"certificateChainURL,omitempty"`

	// RegistrationCredentialSecret holds, under the key "credential.jwt", the registration
	// number credential (a vc+jwt) a Gaia-X notary issued for the provider's registration
	// number. The provider's gx:LegalPerson refers to its subject, and the presentation
	// carries it as issued. Loire only.
	// +optional
	RegistrationCredentialSecret *NamespacedName `json:"registrationCredentialSecret,omitempty"`

	// GaiaXTermsHash is the SHA-256 of the Gaia-X terms and conditions the provider accepts in
	// its gx:Issuer credential, one of the two versions the 25.11 shapes accept; the newer
	// one when unset. Loire only.
	// +optional
	// +kubebuilder:validation:Enum="067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515";"4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3"
	GaiaXTermsHash string `json:"gaiaXTermsHash,omitempty"`

	// LegalAddressRegion and HeadquarterAddressRegion are the NUTS-2 codes of the provider's
	// addresses (vcard:region, e.g. DEF0 for Schleswig-Holstein); the country comes from
	// provider.legalAddress and provider.headquarterAddress. Loire only.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{2}[0-9A-Z]{2}$')",message="provider.gaiaX.legalAddressRegion must be a NUTS-2 code such as DEF0"
	// +kubebuilder:validation:MaxLength=4
	LegalAddressRegion string `json:"legalAddressRegion,omitempty"`
	// HeadquarterAddressRegion is the NUTS-2 code of provider.headquarterAddress, as
	// LegalAddressRegion is of the legal address. Loire only.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{2}[0-9A-Z]{2}$')",message="provider.gaiaX.headquarterAddressRegion must be a NUTS-2 code such as DEF0"
	// +kubebuilder:validation:MaxLength=4
	HeadquarterAddressRegion string `json:"headquarterAddressRegion,omitempty"`

	// ComplianceServiceURL is the base URL of a Gaia-X compliance service (a clearing house's,
	// e.g. https://compliance.lab.gaia-x.eu/v2). When set, the operator submits each
	// workspace's presentation to it, keeps the compliance credential it issues in the
	// ConfigMap rathaus-gaiax-compliance, and reports the outcome in status.credentials and the
	// condition GaiaXCompliant. It submits again only when the credentials change or the
	// compliance credential nears its end.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^https://[^/?#]+(/[^?#]*)?$')",message="provider.gaiaX.complianceServiceURL must be an https:// URL without query or fragment"
	ComplianceServiceURL string `json:"complianceServiceURL,omitempty"`

	// RegistrationNumberType says what provider.registrationNumber is; vatID by default.
	// +optional
	// +kubebuilder:default=vatID
	RegistrationNumberType RegistrationNumberType `json:"registrationNumberType,omitempty"`

	// RegionCountries give the ISO 3166-1 alpha-2 country of each allowed region, for the
	// offerings' location. Every region of dataResidency.allowedRegions needs one.
	// +optional
	// +listType=map
	// +listMapKey=region
	// +kubebuilder:validation:MaxItems=32
	RegionCountries []RegionCountry `json:"regionCountries,omitempty"`

	// Policy is the offerings' gx:policy, e.g. an ODRL policy or a URL to one; "default: allow"
	// when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Policy string `json:"policy,omitempty"`

	// DataAccountExport says how a municipality gets its data out of its workspace.
	// +optional
	DataAccountExport DataAccountExport `json:"dataAccountExport,omitempty"`
}

// GaiaXFormat is the Gaia-X release credentials are written for.
// +kubebuilder:validation:Enum=Loire;Tagus
type GaiaXFormat string

// Gaia-X formats.
const (
	GaiaXFormatLoire GaiaXFormat = "Loire"
	GaiaXFormatTagus GaiaXFormat = "Tagus"
)

// EffectiveFormat is the format with the default applied.
func (g *GaiaXCredentials) EffectiveFormat() GaiaXFormat {
	if g.Format == "" {
		return GaiaXFormatLoire
	}
	return g.Format
}

// RegistrationNumberType is the kind of a legal registration number in the Gaia-X Trust
// Framework.
// +kubebuilder:validation:Enum=vatID;leiCode;EORI;EUID;taxID
type RegistrationNumberType string

// RegionCountry maps a region to the country it lies in.
type RegionCountry struct {
	// Region is a value of the platform's region label, e.g. eu-central.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Region string `json:"region"`
	// Country is the ISO 3166-1 alpha-2 code of the region's country, e.g. DE.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Z]{2}$')",message="country must be an ISO 3166-1 alpha-2 code such as DE"
	// +kubebuilder:validation:MaxLength=2
	Country string `json:"country"`
}

// DataAccountExport is the Gaia-X gx:DataAccountExport of an offering.
type DataAccountExport struct {
	// RequestType is how the export is requested.
	// +optional
	// +kubebuilder:default=API
	// +kubebuilder:validation:Enum=API;email;webform;unregisteredLetter;registeredLetter;supportCenter
	RequestType string `json:"requestType,omitempty"`
	// AccessType is how the data is handed over.
	// +optional
	// +kubebuilder:default=digital
	// +kubebuilder:validation:Enum=digital;physical
	AccessType string `json:"accessType,omitempty"`
	// FormatType is the media type of the export.
	// +optional
	// +kubebuilder:default="application/zip"
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]+/[a-zA-Z0-9.+-]+$')",message="dataAccountExport.formatType must be a media type such as application/zip"
	FormatType string `json:"formatType,omitempty"`
}

// CredentialsStatus summarises a workspace's published Gaia-X credentials.
type CredentialsStatus struct {
	// ConfigMap is the ConfigMap in the workspace's namespace holding them.
	ConfigMap string `json:"configMap"`
	// Format is the Gaia-X release they follow, Loire or Tagus.
	// +optional
	Format GaiaXFormat `json:"format,omitempty"`
	// OfferingID is the id of the gx:ServiceOffering credential.
	OfferingID string `json:"offeringID"`
	// Signed says whether the credentials are signed (Loire credentials always are).
	Signed bool `json:"signed"`
	// Digest is the SHA-256 of the published service offering document (Tagus) or of the
	// presentation (Loire), which is what a compliance service judges.
	Digest string `json:"digest"`
	// Compliance is what the platform's compliance service said about the credentials; unset
	// when the platform names none.
	// +optional
	Compliance *ComplianceStatus `json:"compliance,omitempty"`
}

// ComplianceState is the outcome of submitting a workspace's credentials to a compliance
// service.
// +kubebuilder:validation:Enum=Compliant;Rejected;Unreachable
type ComplianceState string

// Compliance states.
const (
	ComplianceCompliant   ComplianceState = "Compliant"
	ComplianceRejected    ComplianceState = "Rejected"
	ComplianceUnreachable ComplianceState = "Unreachable"
)

// ComplianceStatus is the last submission of a workspace's presentation to the platform's
// compliance service.
type ComplianceStatus struct {
	// State is Compliant (a compliance credential was issued), Rejected (the service refused
	// the credentials; message says why) or Unreachable (no answer; retried with back-off).
	State ComplianceState `json:"state"`
	// Digest is the presentation digest that was submitted; a submission happens again when
	// credentials.digest differs from it.
	Digest string `json:"digest"`
	// SubmittedAt is when the presentation was submitted.
	SubmittedAt metav1.Time `json:"submittedAt"`
	// Message is the service's reason for a rejection or the error that kept it from
	// answering, shortened.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// CredentialID is the id of the compliance credential, kept in the ConfigMap
	// rathaus-gaiax-compliance.
	// +optional
	CredentialID string `json:"credentialID,omitempty"`
	// ValidUntil is when the compliance credential ends; the operator submits again before.
	// +optional
	ValidUntil *metav1.Time `json:"validUntil,omitempty"`
}
