package loire

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// RegistrationClasses are the registration number classes of the 25.11 ontology a Gaia-X
// notary issues credentials for; each is a gx:RegistrationNumber.
var RegistrationClasses = []string{"gx:VatID", "gx:LeiCode", "gx:TaxID", "gx:EORI", "gx:EUID"}

// Registration reads the registration number credential a notary issued (a compact vc+jwt)
// and returns its decoded credential and its subject's id, which the provider's gx:LegalPerson
// refers to. The signature is the notary's and is not checked here (its key is the notary's
// DID document's, which a compliance service resolves); the operator passes the credential on
// as it was issued. An older notary's payload that wraps the credential in a "vc" claim is
// read too.
func Registration(compact string) (Credential, string, error) {
	parts := strings.Split(strings.TrimSpace(compact), ".")
	if len(parts) != 3 {
		return nil, "", errors.New("the registration credential is not a compact JWS (header.payload.signature)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, "", errors.New("the registration credential's payload is not base64url")
	}
	var doc Credential
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, "", errors.New("the registration credential's payload is not JSON")
	}
	if wrapped, ok := doc["vc"].(map[string]any); ok {
		doc = wrapped
	}
	subject, _ := doc["credentialSubject"].(map[string]any)
	id, _ := subject["id"].(string)
	if id == "" {
		return nil, "", errors.New("the registration credential's subject has no id")
	}
	typ, _ := subject["type"].(string)
	if !slices.Contains(RegistrationClasses, typ) {
		return nil, "", fmt.Errorf("the registration credential's subject is a %q, not one of %s", typ, strings.Join(RegistrationClasses, ", "))
	}
	return doc, id, nil
}
