package gaiax

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// DefaultGaiaXTermsHash is the Gaia-X terms version a provider accepts when the platform names
// none: the one the Loire clients send (docs/design/gaiax-loire-research.md, finding 12).
const DefaultGaiaXTermsHash = "4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3"

// loireParticipant is the provider as a gx:LegalPerson referring to the notary's registration
// credential's subject.
func loireParticipant(p *rathausv1alpha1.WorkspacePlatform, registrationID string) (loire.Participant, error) {
	provider, gx := settings(p)
	terms := gx.GaiaXTermsHash
	if terms == "" {
		terms = DefaultGaiaXTermsHash
	}
	legal, err := country(p, "legalAddress", provider.LegalAddress)
	if err != nil {
		return loire.Participant{}, err
	}
	headquarters, err := country(p, "headquarterAddress", provider.HeadquarterAddress)
	if err != nil {
		return loire.Participant{}, err
	}
	return loire.Participant{
		DID:                 gx.Issuer,
		Name:                provider.LegalName,
		RegistrationNumber:  registrationID,
		LegalAddress:        loire.Address{CountryCode: legal, Region: gx.LegalAddressRegion},
		HeadquartersAddress: loire.Address{CountryCode: headquarters, Region: gx.HeadquarterAddressRegion},
		GaiaXTerms:          terms,
	}, nil
}

// country is the ISO 3166-1 country of an ISO 3166-2 subdivision code such as DE-SH.
func country(p *rathausv1alpha1.WorkspacePlatform, field, subdivision string) (string, error) {
	c, _, ok := strings.Cut(subdivision, "-")
	if !ok || len(c) != 2 || strings.ToUpper(c) != c {
		return "", fmt.Errorf("WorkspacePlatform %s: provider.%s %q is not an ISO 3166-2 code such as DE-SH", p.Name, field, subdivision)
	}
	return c, nil
}

// loireOffering is a workspace as a gx:ServiceOffering.
func loireOffering(in stack.Inputs, provider *rathausv1alpha1.ProviderIdentity, gx *rathausv1alpha1.GaiaXCredentials) (loire.Offering, error) {
	if provider.TermsAndConditionsURL == "" || provider.TermsAndConditionsHash == "" {
		return loire.Offering{}, fmt.Errorf("WorkspacePlatform %s: provider.termsAndConditionsURL and termsAndConditionsHash are required for Gaia-X credentials", in.Platform.Name)
	}
	countries, err := Countries(in.Platform)
	if err != nil {
		return loire.Offering{}, err
	}
	ws := in.Workspace
	policy := gx.Policy
	if policy == "" {
		policy = DefaultPolicy
	}
	request, access, format := exportSettings(gx.DataAccountExport)
	o := loire.Offering{
		ID:             loire.CredentialURL(gx.Issuer, "workspaces/"+ws.Namespace+"/"+ws.Name+"/service-offering.json"),
		Name:           ws.Spec.DisplayName,
		Description:    "Digital workplace of " + ws.Spec.DisplayName + " at " + ws.Spec.Domain + ", stack release " + in.Release.Spec.Version,
		TermsURL:       provider.TermsAndConditionsURL,
		TermsHash:      provider.TermsAndConditionsHash,
		PolicyLanguage: policyLanguage(policy),
		PolicyDocument: policy,
		Export:         loire.DataAccountExport{RequestType: request, AccessType: access, FormatType: format},
		Protected:      []string{DataProtectionRegime},
		Software:       software(in.Release),
	}
	for _, c := range countries {
		o.Locations = append(o.Locations, loire.Address{CountryCode: c})
	}
	for _, ep := range in.Endpoints {
		o.Keywords = append(o.Keywords, ep.Service)
	}
	slices.Sort(o.Keywords)
	o.Endpoint = primaryEndpoint(in.Endpoints)
	return o, nil
}

// policyLanguage names the language of the offering's policy for gx:AccessUsagePolicy: ODRL
// for a JSON-LD document in the ODRL vocabulary, JSON for other JSON, Other for text such as
// the default "default: allow".
func policyLanguage(policy string) string {
	var doc any
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return "Other"
	}
	if strings.Contains(policy, "www.w3.org/ns/odrl") {
		return "ODRL"
	}
	return "JSON"
}

// endpointStandards are the open standards each service's endpoint speaks, in the order the
// offering prefers its services for the one gx:endpoint gx:ServiceOfferingShape allows
// (sh:maxCount 1): files first, the service every workspace has.
var endpointStandards = []struct {
	service   string
	standards []loire.Standard
}{
	{rathausv1alpha1.ServiceFiles, []loire.Standard{
		{Title: "WebDAV (RFC 4918)", Reference: "https://www.rfc-editor.org/rfc/rfc4918"},
		{Title: "OpenID Connect Core 1.0", Reference: "https://openid.net/specs/openid-connect-core-1_0.html"},
	}},
	{rathausv1alpha1.ServiceMail, []loire.Standard{
		{Title: "JMAP (RFC 8620)", Reference: "https://www.rfc-editor.org/rfc/rfc8620"},
		{Title: "IMAP4rev2 (RFC 9051)", Reference: "https://www.rfc-editor.org/rfc/rfc9051"},
	}},
	{rathausv1alpha1.ServiceVideo, []loire.Standard{
		{Title: "WebRTC", Reference: "https://www.w3.org/TR/webrtc/"},
	}},
	{rathausv1alpha1.ServiceMedia, []loire.Standard{
		{Title: "HTTP Live Streaming (RFC 8216)", Reference: "https://www.rfc-editor.org/rfc/rfc8216"},
	}},
}

func primaryEndpoint(endpoints []stack.Endpoint) loire.Endpoint {
	for _, s := range endpointStandards {
		for _, ep := range endpoints {
			if ep.Service == s.service {
				return loire.Endpoint{URL: ep.URL, Standards: s.standards}
			}
		}
	}
	return loire.Endpoint{}
}

// software is the release's images as gx:SoftwareResources: licence and copyright owner from
// the catalog, else from what the operator knows of its own releases' images (Licences). An
// image neither names is left out, since gx:SoftwareResourceShape requires both.
func software(r *rathausv1alpha1.StackRelease) []loire.Software {
	var out []loire.Software
	for _, c := range r.Spec.Components {
		known := Licences[c.Image]
		s := loire.Software{Name: c.Name, Version: c.Version, Licenses: known.Licenses, CopyrightOwner: c.CopyrightOwner}
		if c.License != "" {
			s.Licenses = []string{c.License}
		}
		if s.CopyrightOwner == "" {
			s.CopyrightOwner = known.CopyrightOwner
		}
		if len(s.Licenses) > 0 && s.CopyrightOwner != "" {
			out = append(out, s)
		}
	}
	return out
}
