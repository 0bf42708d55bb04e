package v1alpha1

// GaiaXCredentials configures the Gaia-X credentials the operator publishes: a
// gx:LegalParticipant for the provider and a gx:ServiceOffering for each workspace, as W3C
// Verifiable Credentials in the ConfigMap rathaus-gaiax of every workspace namespace.
type GaiaXCredentials struct {
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
	// ("PRIVATE KEY") under the key "key.pem": Ed25519 (signed with EdDSA) or RSA of at
	// least 2048 bits (RS256). Both are deterministic, so the credentials only change when
	// their content does. Without it the credentials are published unsigned.
	// +optional
	SigningKeySecret *NamespacedName `json:"signingKeySecret,omitempty"`

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
	// OfferingID is the id of the gx:ServiceOffering credential.
	OfferingID string `json:"offeringID"`
	// Signed says whether the credentials carry a JsonWebSignature2020 proof.
	Signed bool `json:"signed"`
	// Digest is the SHA-256 of the published service offering document.
	Digest string `json:"digest"`
}
