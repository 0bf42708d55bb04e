// Package gaiax renders the Gaia-X credentials of a workspace: a gx:LegalParticipant for the
// platform's provider and a gx:ServiceOffering for the workspace, as W3C Verifiable
// Credentials (Data Model 1.1, JSON-LD), signed with JsonWebSignature2020 when the platform
// provides a key. Everything is a pure function of the inputs: the same inputs give
// byte-identical documents.
//
// The mandatory properties follow the Gaia-X Trust Framework 22.10 shapes (the "gx:"
// vocabulary of the trusted shape registry, registry.lab.gaia-x.eu/.../shapes/jsonld/
// trustframework#), as the Gaia-X Lab compliance service and catalogues built on it read
// them, e.g. MERLOT's gxfs-catalog-library GxServiceOfferingCredentialSubject (providedBy,
// termsAndConditions, policy and dataAccountExport required; dataProtectionRegime and
// aggregationOf optional):
//
//   - gx:LegalParticipant: gx:legalRegistrationNumber, gx:headquarterAddress and
//     gx:legalAddress, each address with gx:countrySubdivisionCode (ISO 3166-2);
//   - gx:ServiceOffering: gx:providedBy, gx:termsAndConditions (gx:URL, gx:hash), gx:policy,
//     gx:dataAccountExport (gx:requestType, gx:accessType, gx:formatType);
//   - gx:PhysicalResource (the offering's location, aggregated): gx:maintainedBy and
//     gx:locationAddress with gx:countryCode.
//
// gx:endpoint (with gx:endpointURL) comes from the 24.x vocabulary; the open 22.10 shapes
// accept it.
package gaiax

import (
	"fmt"
	"slices"
	"strings"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// GXNamespace is the IRI of the Trust Framework 22.10 "gx:" vocabulary. It is defined inline
// in every credential's context, so no Gaia-X context document has to be loaded.
const GXNamespace = "https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#"

// Defaults for settings the platform leaves unset (the API server defaults them too, but
// the renderer must not depend on that).
const (
	DefaultPolicy      = "default: allow"
	defaultRequestType = "API"
	defaultAccessType  = "digital"
	defaultFormatType  = "application/zip"
	defaultNumberType  = "vatID"
	// DataProtectionRegime: workspaces run in the EU under the GDPR, Regulation (EU) 2016/679.
	DataProtectionRegime = "GDPR2016"
)

// Credential is one unsigned or signed Verifiable Credential as parsed JSON.
type Credential = map[string]any

// context is every credential's @context: the VC 1.1 context, the JWS 2020 suite (for the
// proof's terms) and the gx and xsd prefixes.
func context() []any {
	return []any{
		CredentialsV1Context,
		JWS2020Context,
		map[string]any{"gx": GXNamespace, "xsd": "http://www.w3.org/2001/XMLSchema#"},
	}
}

// settings are the platform's Gaia-X settings; nil when the platform publishes no credentials.
func settings(p *rathausv1alpha1.WorkspacePlatform) (*rathausv1alpha1.ProviderIdentity, *rathausv1alpha1.GaiaXCredentials) {
	if p == nil || p.Spec.Provider == nil || p.Spec.Provider.GaiaX == nil {
		return nil, nil
	}
	return p.Spec.Provider, p.Spec.Provider.GaiaX
}

// LegalParticipantID is the id of the provider's participant credential.
func LegalParticipantID(issuer string) string { return issuer + "#legal-participant" }

// ServiceOfferingID is the id of a workspace's offering credential; its subject is the id
// without the "/credential" suffix.
func ServiceOfferingID(issuer string, ws *rathausv1alpha1.MunicipalityWorkspace) string {
	return offeringSubject(issuer, ws) + "/credential"
}

func offeringSubject(issuer string, ws *rathausv1alpha1.MunicipalityWorkspace) string {
	return issuer + "#workspace/" + ws.Namespace + "/" + ws.Name
}

// LegalParticipant returns the provider's gx:LegalParticipant credential, unsigned.
func LegalParticipant(in stack.Inputs) (Credential, error) {
	provider, gx := settings(in.Platform)
	if gx == nil {
		return nil, nil
	}
	// In order, so that the message (a condition's) is the same on every reconcile.
	for _, f := range []struct{ field, value string }{
		{"registrationNumber", provider.RegistrationNumber}, {"headquarterAddress", provider.HeadquarterAddress}, {"legalAddress", provider.LegalAddress},
	} {
		if f.value == "" {
			return nil, fmt.Errorf("WorkspacePlatform %s: provider.%s is required for Gaia-X credentials", in.Platform.Name, f.field)
		}
	}
	numberType := string(gx.RegistrationNumberType)
	if numberType == "" {
		numberType = defaultNumberType
	}
	subject := map[string]any{
		"id":           gx.Issuer,
		"type":         "gx:LegalParticipant",
		"gx:legalName": provider.LegalName,
		// 22.10 links a separate registration-number credential that a Gaia-X notary issues;
		// the number is embedded here as a node of that shape (see docs/sovereignty.md).
		"gx:legalRegistrationNumber": map[string]any{
			"id":               gx.Issuer + "#registration-number",
			"type":             "gx:legalRegistrationNumber",
			"gx:" + numberType: provider.RegistrationNumber,
		},
		"gx:headquarterAddress": map[string]any{"gx:countrySubdivisionCode": provider.HeadquarterAddress},
		"gx:legalAddress":       map[string]any{"gx:countrySubdivisionCode": provider.LegalAddress},
	}
	return credential(LegalParticipantID(gx.Issuer), gx.Issuer, issuanceDate(in.Platform.CreationTimestamp.Time), subject), nil
}

// ServiceOffering returns the workspace's gx:ServiceOffering credential, unsigned.
func ServiceOffering(in stack.Inputs) (Credential, error) {
	provider, gx := settings(in.Platform)
	if gx == nil {
		return nil, nil
	}
	if provider.TermsAndConditionsURL == "" || provider.TermsAndConditionsHash == "" {
		return nil, fmt.Errorf("WorkspacePlatform %s: provider.termsAndConditionsURL and termsAndConditionsHash are required for Gaia-X credentials", in.Platform.Name)
	}
	countries, err := Countries(in.Platform)
	if err != nil {
		return nil, err
	}
	ws := in.Workspace
	policy := gx.Policy
	if policy == "" {
		policy = DefaultPolicy
	}
	subject := map[string]any{
		"id":             offeringSubject(gx.Issuer, ws),
		"type":           "gx:ServiceOffering",
		"gx:name":        ws.Spec.DisplayName,
		"gx:description": "Digital workplace of " + ws.Spec.DisplayName + " at " + ws.Spec.Domain + ", stack release " + in.Release.Spec.Version,
		"gx:providedBy":  map[string]any{"id": gx.Issuer},
		"gx:termsAndConditions": map[string]any{
			"gx:URL":  provider.TermsAndConditionsURL,
			"gx:hash": provider.TermsAndConditionsHash,
		},
		"gx:policy":               policy,
		"gx:dataAccountExport":    dataAccountExport(gx.DataAccountExport),
		"gx:dataProtectionRegime": DataProtectionRegime,
	}
	if endpoints := endpoints(in.Endpoints); len(endpoints) > 0 {
		subject["gx:endpoint"] = endpoints
	}
	var aggregated []any
	if len(countries) > 0 {
		// Where the data lives: the countries of the allowed regions, as the location of the
		// physical resource (the provider's cluster) the offering runs on.
		var addresses []any
		for _, c := range countries {
			addresses = append(addresses, map[string]any{"gx:countryCode": c})
		}
		aggregated = append(aggregated, map[string]any{
			"type":               "gx:PhysicalResource",
			"gx:name":            "Kubernetes cluster of " + provider.LegalName,
			"gx:maintainedBy":    map[string]any{"id": gx.Issuer},
			"gx:locationAddress": addresses,
		})
	}
	aggregated = append(aggregated, softwareResources(in.Release)...)
	subject["gx:aggregationOf"] = aggregated
	date := latest(in.Platform.CreationTimestamp.Time, ws.CreationTimestamp.Time, in.Release.CreationTimestamp.Time)
	return credential(ServiceOfferingID(gx.Issuer, ws), gx.Issuer, issuanceDate(date), subject), nil
}

func credential(id, issuer, issued string, subject map[string]any) Credential {
	vc := Credential{
		"@context":          context(),
		"id":                id,
		"type":              []any{"VerifiableCredential"},
		"issuer":            issuer,
		"credentialSubject": subject,
	}
	if issued != "" {
		vc["issuanceDate"] = issued
	}
	return vc
}

// issuanceDate formats t for issuanceDate and the proof's created. The dates come from the
// inputs, never the clock, so that the credentials (and their signatures) stay the same on
// every reconcile: the participant was issued when the platform was created, an offering at
// the latest creation of what it describes (platform, workspace, release). A creation time
// is set once by the API server and never changes. Only objects that were never stored (in
// tests, or the operator's built-in release) have none; without any, the date is omitted.
func issuanceDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func latest(times ...time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if t.After(out) {
			out = t
		}
	}
	return out
}

func dataAccountExport(e rathausv1alpha1.DataAccountExport) map[string]any {
	request, access, format := exportSettings(e)
	return map[string]any{"gx:requestType": request, "gx:accessType": access, "gx:formatType": format}
}

// exportSettings are the platform's data export settings with the defaults applied.
func exportSettings(e rathausv1alpha1.DataAccountExport) (request, access, format string) {
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	return or(e.RequestType, defaultRequestType), or(e.AccessType, defaultAccessType), or(e.FormatType, defaultFormatType)
}

func endpoints(eps []stack.Endpoint) []any {
	var out []any
	for _, ep := range eps {
		out = append(out, map[string]any{
			"type":           "gx:Endpoint",
			"gx:name":        ep.Service,
			"gx:endpointURL": map[string]any{"@value": ep.URL, "@type": "xsd:anyURI"},
		})
	}
	return out
}

// softwareResources lists the release's components with their versions, sorted by name.
func softwareResources(r *rathausv1alpha1.StackRelease) []any {
	components := slices.Clone(r.Spec.Components)
	slices.SortFunc(components, func(a, b rathausv1alpha1.Component) int { return strings.Compare(a.Name, b.Name) })
	var out []any
	for _, c := range components {
		res := map[string]any{
			"type":       "gx:SoftwareResource",
			"gx:name":    c.Name,
			"gx:version": c.Version,
			// The upstream reference, not the mirror's: the offering names what runs.
			"gx:description": images.Reference(c, ""),
		}
		out = append(out, res)
	}
	return out
}

// Countries returns the sorted ISO 3166-1 countries of the platform's allowed regions. Every
// allowed region needs a country in provider.gaiaX.regionCountries. Without allowed regions
// workloads may run anywhere, so no location is claimed and the list is empty.
func Countries(p *rathausv1alpha1.WorkspacePlatform) ([]string, error) {
	_, gx := settings(p)
	if gx == nil {
		return nil, nil
	}
	byRegion := map[string]string{}
	for _, rc := range gx.RegionCountries {
		byRegion[rc.Region] = rc.Country
	}
	var out []string
	for _, region := range p.Spec.DataResidency.AllowedRegions {
		country, ok := byRegion[region]
		if !ok {
			return nil, fmt.Errorf("WorkspacePlatform %s: allowed region %q has no country in provider.gaiaX.regionCountries", p.Name, region)
		}
		out = append(out, country)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
