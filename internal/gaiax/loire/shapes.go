package loire

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The 25.11 SHACL shapes the documents must satisfy, as this project's own table (Check): the
// shapes file cannot be shipped here, so each shape is written down from
// GAIA-X4PLC-AAD/ontology-management-base at f35d7c37 (tag v0.1.0),
// artifacts/gx/gx.shacl.ttl, version 25.11+fix.1 (docs/design/gaiax-loire-research.md §3).
// Every shape below is closed (sh:closed true, rdf:type ignored) but for
// gx:VirtualResourceShape, whose constraints gx:SoftwareResourceShape repeats closed.

type rule func(checker *checker, v any) error

type property struct {
	path     string
	min, max int // max -1: unbounded
	value    rule
}

type shape struct {
	name  string // the shape's IRI, for messages
	props []property
}

var (
	alpha2    = regexp.MustCompile(`^[A-Z]{2}$`)            // sh:in of 249 ISO 3166-1 alpha-2 codes (one of sh:or)
	nuts2     = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z]{2}$`) // sh:in of 271 NUTS-2 codes
	mediaType = regexp.MustCompile(`^[a-z]+/[a-zA-Z0-9.+-]+$`)
	// licences is the part of gx:VirtualResourceShape's sh:in of 567 SPDX identifiers that
	// the release's images use.
	licences = []string{"AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ECL-2.0", "MIT", "PostgreSQL"}
)

// shapes is filled in init: its rules check nested nodes against it.
var shapes map[string]shape

func init() { shapes = shapeTable() }

func shapeTable() map[string]shape {
	return map[string]shape{
		"gx:LegalPerson": {"gx:LegalPersonShape", []property{
			{"gx:registrationNumber", 1, -1, class("gx:RegistrationNumber")},
			{"gx:legalAddress", 1, 1, class("gx:Address")},
			{"gx:headquartersAddress", 1, 1, class("gx:Address")},
			{"gx:parentOrganizationOf", 0, -1, class("gx:LegalPerson")},
			{"gx:subOrganisationOf", 0, -1, class("gx:LegalPerson")},
			{"schema:name", 0, 1, str},
			{"schema:description", 0, 1, str},
		}},
		"gx:Address": {"gx:AddressShape", []property{
			{"gx:countryCode", 1, 1, matches(alpha2)},
			{"gx:countryName", 0, 1, str},
			{"vcard:street-address", 0, 1, str},
			{"vcard:postal-code", 0, 1, str},
			{"vcard:locality", 0, 1, str},
			{"vcard:region", 0, 1, matches(nuts2)},
		}},
		"gx:VatID": {"gx:VatIDShape", []property{{"gx:vatID", 1, 1, str}, {"gx:countryCode", 0, 1, matches(alpha2)}}},
		"gx:Issuer": {"gx:IssuerShape", []property{
			{"gx:gaiaxTermsAndConditions", 1, 1, in(GaiaXTermsHashes...)},
		}},
		"gx:TermsAndConditions": {"gx:TermsAndConditionsShape", []property{
			{"gx:url", 1, 1, uri}, {"gx:hash", 1, 1, str},
		}},
		"gx:ServiceOffering": {"gx:ServiceOfferingShape", []property{
			{"gx:providedBy", 1, 1, class("gx:LegalPerson")},
			{"gx:serviceOfferingTermsAndConditions", 1, -1, class("gx:TermsAndConditions")},
			{"gx:servicePolicy", 0, -1, class("gx:AccessUsagePolicy")},
			{"gx:dataAccountExport", 0, -1, class("gx:DataAccountExport")},
			{"gx:dataProtectionRegime", 0, -1, in("GDPR2016", "LGPD2019", "PDPA2012", "CCPA2018", "VCDPA2021")},
			{"gx:keyword", 0, -1, str},
			{"gx:provisionType", 0, 1, in("private", "public", "hybrid")},
			{"gx:endpoint", 0, 1, class("gx:Endpoint")},
			{"gx:aggregationOfResources", 0, -1, class("gx:Resource")},
			{"gx:serviceScope", 0, 1, str},
			{"schema:name", 0, 1, str},
			{"schema:description", 0, 1, str},
		}},
		"gx:AccessUsagePolicy": {"gx:AccessUsagePolicyShape", []property{
			{"gx:policyLanguage", 1, 1, in("ODRL", "XACML", "Rego", "JSON", "Other")},
			{"gx:policyDocument", 1, 1, either(str, uri)},
		}},
		"gx:DataAccountExport": {"gx:DataAccountExportShape", []property{
			{"gx:requestType", 1, 1, in("API", "email", "webform", "unregisteredLetter", "registeredLetter", "supportCenter")},
			{"gx:accessType", 1, 1, in("digital", "physical")},
			{"gx:formatType", 1, 1, matches(mediaType)}, // sh:in of 1,909 IANA media types
		}},
		"gx:Endpoint": {"gx:EndpointShape", []property{
			{"gx:endpointURL", 0, 1, uri},
			{"gx:standardConformity", 1, -1, class("gx:StandardConformity")},
			{"gx:formalDescription", 0, 1, str},
		}},
		"gx:StandardConformity": {"gx:StandardConformityShape", []property{
			{"dcterms:title", 1, 1, str}, {"gx:standardReference", 1, 1, uri}, {"gx:publisher", 0, 1, str},
		}},
		"gx:PhysicalResource": {"gx:PhysicalResourceShape", []property{
			{"gx:maintainedBy", 1, -1, class("gx:LegalPerson")},
			{"gx:location", 1, -1, class("gx:Address")},
			{"gx:ownedBy", 0, -1, class("gx:LegalPerson")},
			{"gx:manufacturedBy", 0, -1, class("gx:LegalPerson")},
			{"gx:aggregationOfResources", 0, -1, class("gx:Resource")},
			{"schema:name", 0, 1, str},
			{"schema:description", 0, 1, str},
		}},
		"gx:SoftwareResource": {"gx:SoftwareResourceShape", []property{
			{"gx:copyrightOwnedBy", 1, -1, either(class("gx:LegalPerson"), str)},
			{"gx:license", 1, -1, either(in(licences...), uri)},
			{"gx:resourcePolicy", 1, -1, str},
			{"gx:aggregationOfResources", 0, -1, class("gx:Resource")},
			{"gx:version", 0, 1, str},
			{"gx:patchLevel", 0, 1, str},
			{"schema:name", 0, 1, str},
			{"schema:description", 0, 1, str},
		}},
	}
}

// superclasses of the 25.11 ontology (artifacts/gx/gx.owl.ttl) that sh:class follows.
var superclasses = map[string][]string{
	"gx:VatID": {"gx:RegistrationNumber"}, "gx:LeiCode": {"gx:RegistrationNumber"}, "gx:TaxID": {"gx:RegistrationNumber"},
	"gx:EORI": {"gx:RegistrationNumber"}, "gx:EUID": {"gx:RegistrationNumber"},
	"gx:PhysicalResource": {"gx:Resource"}, "gx:SoftwareResource": {"gx:VirtualResource", "gx:Resource"},
	"gx:LegalPerson": {"gx:Participant"},
}

func isA(typ, class string) bool { return typ == class || slices.Contains(superclasses[typ], class) }

// checker validates a bundle of credentials as the compliance service sees a presentation:
// one graph, so that a reference from one credential finds its node in another.
type checker struct {
	types  map[string]string // node id -> type
	errors []string
}

// Check returns every violation of the 25.11 shapes (and of ICAM 25.11's envelope) in a bundle
// of decoded credentials, which it judges as one graph, as a compliance service judges a
// presentation: a reference from one credential finds its node in another. The table is the
// project's own reading of the shapes, not the shapes file.
func Check(credentials ...Credential) []string {
	c := &checker{types: map[string]string{}}
	for _, cred := range credentials {
		c.index(cred["credentialSubject"])
	}
	for _, cred := range credentials {
		c.envelope(cred)
		c.node(fmt.Sprint(cred["id"]), cred["credentialSubject"])
	}
	return c.errors
}

func (c *checker) index(v any) {
	switch t := v.(type) {
	case map[string]any:
		if id, ok := t["id"].(string); ok {
			if typ, ok := t["type"].(string); ok {
				c.types[id] = typ
			}
		}
		for _, child := range t {
			c.index(child)
		}
	case []any:
		for _, child := range t {
			c.index(child)
		}
	}
}

// envelope checks what ICAM 25.11 §5.2-5.6 asks of every credential.
func (c *checker) envelope(cred Credential) {
	ctx, _ := cred["@context"].([]any)
	types, _ := cred["type"].([]any)
	subject, _ := cred["credentialSubject"].(map[string]any)
	switch {
	case len(ctx) == 0 || ctx[0] != CredentialsV2Context:
		c.fail("%v: @context must start with %s", cred["id"], CredentialsV2Context)
	case len(types) == 0 || types[0] != "VerifiableCredential":
		c.fail("%v: type must start with VerifiableCredential", cred["id"])
	case text(cred["id"]) == "" || text(cred["issuer"]) == "" || text(cred["validFrom"]) == "":
		c.fail("%v: id, issuer and validFrom are mandatory", cred["id"])
	case subject == nil || subject["id"] == nil:
		c.fail("%v: the subject needs an id", cred["id"])
	}
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func (c *checker) fail(format string, args ...any) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

// node checks a typed node and, through class rules, the nodes it holds.
func (c *checker) node(where string, v any) {
	n, ok := v.(map[string]any)
	if !ok {
		return
	}
	typ, _ := n["type"].(string)
	s, known := shapes[typ]
	if !known {
		c.fail("%s: no 25.11 shape for type %q", where, typ)
		return
	}
	listed := map[string]bool{"id": true, "type": true}
	for _, p := range s.props {
		listed[p.path] = true
		values := asList(n[p.path])
		if len(values) < p.min || p.max >= 0 && len(values) > p.max {
			c.fail("%s (%s): %s has %d values, %s allows %d..%s", where, typ, p.path, len(values), s.name, p.min, bound(p.max))
		}
		for _, value := range values {
			if err := p.value(c, value); err != nil {
				c.fail("%s (%s): %s: %v", where, typ, p.path, err)
			}
		}
	}
	for key := range n {
		if !listed[key] {
			c.fail("%s (%s): %s is closed and does not list %s", where, typ, s.name, key)
		}
	}
}

func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

func bound(max int) string {
	if max < 0 {
		return "*"
	}
	return fmt.Sprint(max)
}

func str(_ *checker, v any) error {
	if _, ok := v.(string); !ok {
		return fmt.Errorf("%v is not a string literal", v)
	}
	return nil
}

func uri(_ *checker, v any) error {
	m, ok := v.(map[string]any)
	if !ok || m["@type"] != "xsd:anyURI" {
		return fmt.Errorf("%v is not an xsd:anyURI literal", v)
	}
	if s, _ := m["@value"].(string); !strings.Contains(s, ":") {
		return fmt.Errorf("%q is not a URI", s)
	}
	return nil
}

func in(allowed ...string) rule {
	return func(_ *checker, v any) error {
		if s, ok := v.(string); !ok || !slices.Contains(allowed, s) {
			return fmt.Errorf("%v is not one of %v", v, allowed)
		}
		return nil
	}
}

func matches(re *regexp.Regexp) rule {
	return func(_ *checker, v any) error {
		if s, ok := v.(string); !ok || !re.MatchString(s) {
			return fmt.Errorf("%v does not match %s", v, re)
		}
		return nil
	}
}

// class accepts a node of the class (or a subclass) held inline, which is then checked
// against its own shape, or a reference to one elsewhere in the bundle.
func class(want string) rule {
	return func(c *checker, v any) error {
		n, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%v is not a node", v)
		}
		if typ, inline := n["type"].(string); inline {
			if !isA(typ, want) {
				return fmt.Errorf("a %s is not a %s", typ, want)
			}
			c.node(fmt.Sprint(n["id"]), n)
			return nil
		}
		id, _ := n["id"].(string)
		typ, found := c.types[id]
		if !found {
			return fmt.Errorf("reference %q names no node of the bundle", id)
		}
		if !isA(typ, want) {
			return fmt.Errorf("%q is a %s, not a %s", id, typ, want)
		}
		return nil
	}
}

func either(rules ...rule) rule {
	return func(c *checker, v any) error {
		var errs []string
		for _, r := range rules {
			before := len(c.errors)
			err := r(c, v)
			if err == nil && len(c.errors) == before {
				return nil
			}
			c.errors = c.errors[:before]
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		return fmt.Errorf("none of: %s", strings.Join(errs, "; "))
	}
}
