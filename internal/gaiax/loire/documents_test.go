package loire

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

const validFrom = "2026-12-06T00:00:00Z"

func participant() Participant {
	return Participant{
		DID:                 "did:web:provider.example.eu",
		Name:                "Kommunale IT Nord",
		RegistrationNumber:  "https://notary.example.eu/registration/DE123456789#cs",
		LegalAddress:        Address{CountryCode: "DE", Region: "DEF0"},
		HeadquartersAddress: Address{CountryCode: "DE", Region: "DE60"},
		GaiaXTerms:          GaiaXTermsHashes[1],
	}
}

func offering() Offering {
	return Offering{
		ID:             CredentialURL("did:web:provider.example.eu", "workspaces/kiel/kiel/service-offering.json"),
		Name:           "Digitaler Arbeitsplatz Kiel",
		Description:    "Files, video conferencing, mail and media for the Landeshauptstadt Kiel",
		Keywords:       []string{"files", "video"},
		TermsURL:       "https://provider.example.eu/terms",
		TermsHash:      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		PolicyLanguage: "Other",
		PolicyDocument: "default: allow",
		Endpoint: Endpoint{URL: "https://cloud.kiel.de", Standards: []Standard{
			{Title: "WebDAV", Reference: "https://www.rfc-editor.org/rfc/rfc4918"},
		}},
		Export:    DataAccountExport{RequestType: "API", AccessType: "digital", FormatType: "application/zip"},
		Locations: []Address{{CountryCode: "DE", Region: "DEF0"}},
		Protected: []string{"GDPR2016"},
		Software: []Software{
			{Name: "stalwart", Version: "v0.16.18", Licenses: []string{"AGPL-3.0-only"}, CopyrightOwner: "Stalwart Labs LLC"},
			{Name: "nextcloud", Version: "31.0.9", Licenses: []string{"AGPL-3.0-or-later"}, CopyrightOwner: "Nextcloud GmbH and contributors"},
		},
	}
}

// registration is what a Gaia-X notary issues for the provider's VAT ID (the shape of the
// lab notary's credentials, docs/design/gaiax-loire-research.md §7.1).
func registration() Credential {
	return Credential{
		"@context":  []any{CredentialsV2Context, map[string]any{"gx": Namespace}},
		"id":        "https://notary.example.eu/registration/DE123456789",
		"type":      []any{"VerifiableCredential", "gx:VatID"},
		"issuer":    "did:web:notary.example.eu",
		"validFrom": validFrom,
		"credentialSubject": map[string]any{
			"id": participant().RegistrationNumber, "type": "gx:VatID", "gx:vatID": "DE123456789", "gx:countryCode": "DE",
		},
	}
}

func bundle() []Credential {
	p := participant()
	return []Credential{LegalPerson(p, validFrom), Issuer(p, validFrom), registration(), ServiceOffering(p, offering(), validFrom)}
}

func TestDocumentsSatisfyTheShapes(t *testing.T) {
	if errs := Check(bundle()...); len(errs) > 0 {
		t.Errorf("25.11 shape violations:\n%s", strings.Join(errs, "\n"))
	}
}

// TestTheShapeTableCatches proves the table can fail: each change breaks one constraint of
// the shapes and must be reported.
func TestTheShapeTableCatches(t *testing.T) {
	subject := func(c Credential) map[string]any { return c["credentialSubject"].(map[string]any) }
	cases := []struct {
		name   string
		change func(b []Credential)
		want   string
	}{
		{"a Tagus property on the legal person", func(b []Credential) { subject(b[0])["gx:legalName"] = "x" }, "does not list gx:legalName"},
		{"no legal address", func(b []Credential) { delete(subject(b[0]), "gx:legalAddress") }, "gx:legalAddress has 0 values"},
		{"a subdivision code as country", func(b []Credential) {
			subject(b[0])["gx:headquartersAddress"].(map[string]any)["gx:countryCode"] = "DE-SH"
		}, "does not match"},
		{"unknown Gaia-X terms", func(b []Credential) { subject(b[1])["gx:gaiaxTermsAndConditions"] = "abc" }, "is not one of"},
		{"a plain string for an anyURI", func(b []Credential) {
			subject(b[3])["gx:serviceOfferingTermsAndConditions"].(map[string]any)["gx:url"] = "https://provider.example.eu/terms"
		}, "not an xsd:anyURI literal"},
		{"a provider outside the bundle", func(b []Credential) {
			subject(b[3])["gx:providedBy"] = map[string]any{"id": "did:web:elsewhere.example#cs"}
		}, "names no node of the bundle"},
		{"a registration number that is not one", func(b []Credential) {
			subject(b[0])["gx:registrationNumber"] = map[string]any{"id": subject(b[1])["id"]}
		}, "not a gx:RegistrationNumber"},
		{"software without a licence", func(b []Credential) {
			delete(subject(b[3])["gx:aggregationOfResources"].([]any)[1].(map[string]any), "gx:license")
		}, "gx:license has 0 values"},
		{"a VC 1.1 context", func(b []Credential) { b[1]["@context"] = []any{"https://www.w3.org/2018/credentials/v1"} }, "must start with"},
		{"a subject without id", func(b []Credential) { delete(subject(b[1]), "id") }, "needs an id"},
		{"no validFrom", func(b []Credential) { delete(b[3], "validFrom") }, "validFrom are mandatory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := bundle()
			tc.change(b)
			errs := strings.Join(Check(b...), "\n")
			if !strings.Contains(errs, tc.want) {
				t.Errorf("want a violation containing %q, got:\n%s", tc.want, errs)
			}
		})
	}
}

func TestDocumentsAreDeterministic(t *testing.T) {
	a, _ := json.Marshal(bundle())
	o := offering()
	o.Software[0], o.Software[1] = o.Software[1], o.Software[0]
	b, _ := json.Marshal([]Credential{LegalPerson(participant(), validFrom), Issuer(participant(), validFrom), registration(), ServiceOffering(participant(), o, validFrom)})
	if string(a) != string(b) {
		t.Error("the order the images are given in changes the offering")
	}
	resources := ServiceOffering(participant(), offering(), validFrom)["credentialSubject"].(map[string]any)["gx:aggregationOfResources"].([]any)
	if resources[1].(map[string]any)["schema:name"] != "nextcloud" || resources[0].(map[string]any)["type"] != "gx:PhysicalResource" {
		t.Errorf("resources: %v", resources)
	}
}

func TestRegistration(t *testing.T) {
	encode := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	header := encode(map[string]string{"alg": "PS256", "typ": "vc+jwt"})
	good := header + "." + encode(registration()) + ".c2ln"
	if _, id, err := Registration(good); err != nil || id != participant().RegistrationNumber {
		t.Fatalf("Registration(notary credential) = %q, %v; want %q", id, err, participant().RegistrationNumber)
	}
	if _, id, err := Registration(header + "." + encode(map[string]any{"vc": registration()}) + ".c2ln"); err != nil || id == "" {
		t.Errorf("a credential in a vc claim: %q, %v", id, err)
	}
	notNumber := registration()
	notNumber["credentialSubject"] = map[string]any{"id": "x", "type": "gx:LegalPerson"}
	for name, compact := range map[string]string{
		"two parts":        header + "." + encode(registration()),
		"payload not b64":  header + ".%%%.c2ln",
		"payload not JSON": header + "." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".c2ln",
		"no subject id":    header + "." + encode(map[string]any{"credentialSubject": map[string]any{"type": "gx:VatID"}}) + ".c2ln",
		"not a number":     header + "." + encode(notNumber) + ".c2ln",
	} {
		if _, _, err := Registration(compact); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
