// Package loire renders the Gaia-X credentials of the Loire release in the 25.11 vocabulary
// (https://w3id.org/gaia-x/development#): the provider's gx:LegalPerson and gx:Issuer (its
// acceptance of the Gaia-X terms), and a workspace's gx:ServiceOffering with the resources
// it aggregates, a gx:PhysicalResource (where it runs) and a gx:SoftwareResource per image of
// the release. They are unsigned W3C VC 2.0 documents; vcjwt secures them. The registration
// number is not rendered here: a Gaia-X notary issues it, and the participant refers to its
// subject.
//
// Every property and cardinality follows the 25.11 SHACL shapes
// (GAIA-X4PLC-AAD/ontology-management-base, artifacts/gx/gx.shacl.ttl, 25.11+fix.1), which
// are closed: a property a shape does not list is a violation. shapes_test.go holds them as
// the project's own table and checks every document against it; the sources are in
// docs/design/gaiax-loire-research.md.
package loire

import (
	"net/url"
	"slices"
	"strings"
)

// Namespace is the 25.11 vocabulary's IRI, as the shapes, the notaries and the Loire clients
// use it.
const Namespace = "https://w3id.org/gaia-x/development#"

// CredentialsV2Context is the W3C VC Data Model 2.0 context, first in every document.
const CredentialsV2Context = "https://www.w3.org/ns/credentials/v2"

// GaiaXTermsHashes are the values gx:IssuerShape accepts for gx:gaiaxTermsAndConditions: the
// SHA-256 of the Gaia-X terms and conditions text, in its two accepted versions.
var GaiaXTermsHashes = []string{
	"067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515",
	"4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3",
}

// Credential is a VC 2.0 document as parsed JSON.
type Credential = map[string]any

// Address is a gx:Address: an ISO 3166-1 alpha-2 country and, optionally, a NUTS-2 region
// (vcard:region, e.g. DEF0 for Schleswig-Holstein).
type Address struct {
	CountryCode string
	Region      string
}

// Participant is the provider as a gx:LegalPerson.
type Participant struct {
	// DID is the provider's did:web identifier, the credentials' issuer.
	DID  string
	Name string
	// RegistrationNumber is the subject id of the registration number credential a Gaia-X
	// notary issued for the provider; the participant refers to it.
	RegistrationNumber  string
	LegalAddress        Address
	HeadquartersAddress Address
	// GaiaXTerms is the accepted Gaia-X terms' hash, one of GaiaXTermsHashes.
	GaiaXTerms string
}

// Offering is a workspace as a gx:ServiceOffering.
type Offering struct {
	// ID is the offering credential's id (an https URL, see CredentialURL); its subject is
	// SubjectID of it.
	ID          string
	Name        string
	Description string
	Keywords    []string
	// TermsURL and TermsHash are the provider's service terms (gx:TermsAndConditions).
	TermsURL, TermsHash string
	// PolicyLanguage (ODRL, XACML, Rego, JSON or Other) and PolicyDocument are the
	// gx:AccessUsagePolicy of the offering.
	PolicyLanguage, PolicyDocument string
	// Endpoint is the one user-facing endpoint with the standards it conforms to; empty URL
	// for none.
	Endpoint Endpoint
	Export   DataAccountExport
	// Locations are where the offering runs, the gx:location of its gx:PhysicalResource; none
	// claims no place, and the offering then aggregates no physical resource.
	Locations []Address
	Software  []Software
	Protected []string // gx:dataProtectionRegime, e.g. GDPR2016
}

// Endpoint is a gx:Endpoint.
type Endpoint struct {
	URL       string
	Standards []Standard
}

// Standard is a gx:StandardConformity.
type Standard struct {
	Title, Reference string
}

// DataAccountExport is a gx:DataAccountExport.
type DataAccountExport struct {
	RequestType, AccessType, FormatType string
}

// Software is an image of the release as a gx:SoftwareResource.
type Software struct {
	Name, Version string
	// Licenses are SPDX identifiers (e.g. AGPL-3.0-or-later) or URLs to licences, one per
	// licence the image's software comes under.
	Licenses []string
	// CopyrightOwner is who holds the copyright, by name.
	CopyrightOwner string
}

// context is every document's @context: VC 2.0 and the prefixes the 25.11 terms are written
// with (the Gaia-X context document defines no schema: prefix, so it is declared here).
func context() []any {
	return []any{
		CredentialsV2Context,
		map[string]any{
			"gx":      Namespace,
			"dcterms": "http://purl.org/dc/terms/",
			"schema":  "https://schema.org/",
			"vcard":   "http://www.w3.org/2006/vcard/ns#",
			"xsd":     "http://www.w3.org/2001/XMLSchema#",
		},
	}
}

// anyURI is a literal of type xsd:anyURI, as shapes with sh:datatype xsd:anyURI need it when
// the property is written as a prefixed name.
func anyURI(v string) map[string]any { return map[string]any{"@value": v, "@type": "xsd:anyURI"} }

func ref(id string) map[string]any { return map[string]any{"id": id} }

// envelope is a credential around subject. validFrom comes from the inputs, never the clock,
// so that the same inputs give the same bytes; it is omitted when the inputs have none.
func envelope(id, issuer, validFrom string, types []string, subject map[string]any) Credential {
	vc := Credential{
		"@context":          context(),
		"id":                id,
		"type":              append([]any{"VerifiableCredential"}, anys(types)...),
		"issuer":            issuer,
		"credentialSubject": subject,
	}
	if validFrom != "" {
		vc["validFrom"] = validFrom
	}
	return vc
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func address(a Address) map[string]any {
	out := map[string]any{"type": "gx:Address", "gx:countryCode": a.CountryCode}
	if a.Region != "" {
		out["vcard:region"] = a.Region
	}
	return out
}

// CredentialURL is the https URL of a credential the provider did issues, below the
// origin did:web resolves to (did:web:provider.example.eu:gx gives
// https://provider.example.eu/gx/<path>), where the provider may publish it next to its
// did.json. Credential ids are URLs, as in the Gaia-X examples, so that a subject id
// (SubjectID) is the credential's URL with a fragment.
func CredentialURL(did, path string) string {
	parts := strings.Split(strings.TrimPrefix(did, "did:web:"), ":")
	host, err := url.PathUnescape(parts[0]) // a port is written %3A
	if err != nil {
		host = parts[0]
	}
	return "https://" + strings.Join(append([]string{host}, parts[1:]...), "/") + "/" + path
}

// LegalPersonID is the id of the provider's gx:LegalPerson credential; its subject, which
// offerings name as their provider, is SubjectID of it.
func LegalPersonID(did string) string { return CredentialURL(did, "credentials/legal-person.json") }

// IssuerID is the id of the provider's gx:Issuer credential.
func IssuerID(did string) string { return CredentialURL(did, "credentials/issuer.json") }

// SubjectID is the id of a credential's subject.
func SubjectID(credentialID string) string { return credentialID + "#cs" }

// LegalPerson is the provider's gx:LegalPerson credential.
func LegalPerson(p Participant, validFrom string) Credential {
	id := LegalPersonID(p.DID)
	subject := map[string]any{
		"id":                     SubjectID(id),
		"type":                   "gx:LegalPerson",
		"gx:registrationNumber":  ref(p.RegistrationNumber),
		"gx:legalAddress":        address(p.LegalAddress),
		"gx:headquartersAddress": address(p.HeadquartersAddress),
	}
	if p.Name != "" {
		subject["schema:name"] = p.Name
	}
	return envelope(id, p.DID, validFrom, []string{"gx:LegalPerson"}, subject)
}

// Issuer is the provider's gx:Issuer credential: its acceptance of the Gaia-X terms.
func Issuer(p Participant, validFrom string) Credential {
	id := IssuerID(p.DID)
	return envelope(id, p.DID, validFrom, []string{"gx:Issuer"}, map[string]any{
		"id":                         SubjectID(id),
		"type":                       "gx:Issuer",
		"gx:gaiaxTermsAndConditions": p.GaiaXTerms,
	})
}

// ServiceOffering is a workspace's gx:ServiceOffering, provided by p, with its resources.
func ServiceOffering(p Participant, o Offering, validFrom string) Credential {
	subjectID := SubjectID(o.ID)
	subject := map[string]any{
		"id":            subjectID,
		"type":          "gx:ServiceOffering",
		"gx:providedBy": ref(SubjectID(LegalPersonID(p.DID))),
		"gx:serviceOfferingTermsAndConditions": map[string]any{
			"type": "gx:TermsAndConditions", "gx:url": anyURI(o.TermsURL), "gx:hash": o.TermsHash,
		},
		"gx:servicePolicy": map[string]any{
			"type": "gx:AccessUsagePolicy", "gx:policyLanguage": o.PolicyLanguage, "gx:policyDocument": o.PolicyDocument,
		},
		"gx:dataAccountExport": map[string]any{
			"type": "gx:DataAccountExport", "gx:requestType": o.Export.RequestType,
			"gx:accessType": o.Export.AccessType, "gx:formatType": o.Export.FormatType,
		},
		"gx:aggregationOfResources": resources(p, o, subjectID),
	}
	if o.Name != "" {
		subject["schema:name"] = o.Name
	}
	if o.Description != "" {
		subject["schema:description"] = o.Description
	}
	if len(o.Keywords) > 0 {
		subject["gx:keyword"] = anys(o.Keywords)
	}
	if len(o.Protected) > 0 {
		subject["gx:dataProtectionRegime"] = anys(o.Protected)
	}
	if o.Endpoint.URL != "" {
		standards := make([]any, 0, len(o.Endpoint.Standards))
		for _, s := range o.Endpoint.Standards {
			standards = append(standards, map[string]any{
				"type": "gx:StandardConformity", "dcterms:title": s.Title, "gx:standardReference": anyURI(s.Reference),
			})
		}
		subject["gx:endpoint"] = map[string]any{
			"type": "gx:Endpoint", "gx:endpointURL": anyURI(o.Endpoint.URL), "gx:standardConformity": standards,
		}
	}
	return envelope(o.ID, p.DID, validFrom, []string{"gx:ServiceOffering"}, subject)
}

// resources are what the offering aggregates: the place it runs (gx:PhysicalResource,
// maintained by the provider) and each image of the release (gx:SoftwareResource), sorted
// by name.
func resources(p Participant, o Offering, subjectID string) []any {
	provider := ref(SubjectID(LegalPersonID(p.DID)))
	var out []any
	if len(o.Locations) > 0 {
		locations := make([]any, len(o.Locations))
		for i, a := range o.Locations {
			locations[i] = address(a)
		}
		out = append(out, map[string]any{
			"id":              subjectID + "-location",
			"type":            "gx:PhysicalResource",
			"gx:maintainedBy": provider,
			"gx:location":     locations,
		})
	}
	software := slices.Clone(o.Software)
	slices.SortFunc(software, func(a, b Software) int { return strings.Compare(a.Name, b.Name) })
	for _, s := range software {
		r := map[string]any{
			"id":                  subjectID + "-software-" + s.Name,
			"type":                "gx:SoftwareResource",
			"schema:name":         s.Name,
			"gx:license":          anys(s.Licenses),
			"gx:copyrightOwnedBy": s.CopyrightOwner,
			"gx:resourcePolicy":   o.PolicyDocument,
		}
		if s.Version != "" {
			r["gx:version"] = s.Version
		}
		out = append(out, r)
	}
	return out
}
