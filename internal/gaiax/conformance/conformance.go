// Package conformance checks a workspace's published Loire credentials as a verifier that
// trusts nothing of rathaus would: every JWT is verified with go-jose, a JOSE implementation
// the signer shares no code with, against the key the provider's DID document publishes
// (did-key.json); the presentation must carry exactly the published credentials and the
// notary's; and the credentials, decoded from the presentation, are checked against the 25.11
// shapes (loire.Check). `rathaus-manager check-gaiax` runs it on a ConfigMap.
package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
)

// Report is what Check found in one ConfigMap.
type Report struct {
	// Algorithm is the JWS algorithm of the provider's key.
	Algorithm string
	// Verified are the ids of the credentials whose signature go-jose verified.
	Verified []string
	// Registration is the id of the notary's credential the presentation carries; its
	// signature is the notary's, whose DID document a compliance service resolves.
	Registration string
	// Violations are the 25.11 shape violations; none when the credentials conform.
	Violations []string
}

// providerKeys are the ConfigMap's credentials the provider signs, in the order the
// presentation carries them around the notary's.
var providerKeys = []string{gaiax.LegalPersonKey, gaiax.IssuerKey, gaiax.ServiceOfferingJWTKey}

// Check verifies and checks the data of a rathaus-gaiax ConfigMap in the Loire format. An
// error means a signature or the presentation is wrong; shape violations are in the report.
func Check(data map[string]string) (Report, error) {
	var r Report
	key, err := didKey(data[gaiax.DIDKeyKey])
	if err != nil {
		return r, err
	}
	r.Algorithm = key.Algorithm
	published := map[string]bool{}
	for _, k := range providerKeys {
		if _, err := verify(data[k], key); err != nil {
			return r, fmt.Errorf("%s: %w", k, err)
		}
		published[data[k]] = true
	}
	vp, err := verify(data[gaiax.PresentationKey], key)
	if err != nil {
		return r, fmt.Errorf("%s: %w", gaiax.PresentationKey, err)
	}
	var presentation struct {
		Credentials []any `json:"verifiableCredential"`
	}
	if err := json.Unmarshal(vp, &presentation); err != nil {
		return r, fmt.Errorf("%s: %w", gaiax.PresentationKey, err)
	}
	var docs []loire.Credential
	for i, v := range presentation.Credentials {
		compact, ok := vcjwt.Unenveloped(v)
		if !ok {
			return r, fmt.Errorf("the presentation's credential %d is not an enveloped vc+jwt", i)
		}
		doc, err := decode(compact, key, published)
		if err != nil {
			return r, fmt.Errorf("the presentation's credential %d: %w", i, err)
		}
		id := fmt.Sprint(doc["id"])
		if published[compact] {
			r.Verified = append(r.Verified, id)
			delete(published, compact)
		} else if r.Registration == "" {
			r.Registration = id
		} else {
			return r, fmt.Errorf("the presentation carries %s, which is neither published nor the one registration credential", id)
		}
		docs = append(docs, doc)
	}
	if len(published) > 0 || r.Registration == "" {
		return r, errors.New("the presentation does not carry every published credential and the notary's registration credential")
	}
	slices.Sort(r.Verified)
	r.Violations = loire.Check(docs...)
	return r, nil
}

// decode returns the payload of a credential of the presentation: verified when it is one the
// provider signed, read as issued when it is the notary's.
func decode(compact string, key *jose.JSONWebKey, published map[string]bool) (loire.Credential, error) {
	if !published[compact] {
		doc, _, err := loire.Registration(compact)
		return doc, err
	}
	payload, err := verify(compact, key)
	if err != nil {
		return nil, err
	}
	var doc loire.Credential
	return doc, json.Unmarshal(payload, &doc)
}

func didKey(raw string) (*jose.JSONWebKey, error) {
	var method struct {
		Type         string          `json:"type"`
		PublicKeyJwk json.RawMessage `json:"publicKeyJwk"`
	}
	if err := json.Unmarshal([]byte(raw), &method); err != nil {
		return nil, fmt.Errorf("%s is not JSON: %w", gaiax.DIDKeyKey, err)
	}
	var key jose.JSONWebKey
	if err := key.UnmarshalJSON(method.PublicKeyJwk); err != nil {
		return nil, fmt.Errorf("%s: its publicKeyJwk is no JWK: %w", gaiax.DIDKeyKey, err)
	}
	if key.Algorithm != string(jose.PS256) && key.Algorithm != string(jose.ES256) {
		return nil, fmt.Errorf("%s: algorithm %q is neither PS256 nor ES256", gaiax.DIDKeyKey, key.Algorithm)
	}
	return &key, nil
}

// verify checks a compact JWS with go-jose, accepting only the key's algorithm.
func verify(compact string, key *jose.JSONWebKey) ([]byte, error) {
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Algorithm)})
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return nil, fmt.Errorf("the signature does not verify with the DID document's key: %w", err)
	}
	return payload, nil
}
