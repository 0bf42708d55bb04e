package vcjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// credential is a VC 2.0 gx:LegalPerson as the Loire release expects it.
func credential() map[string]any {
	return map[string]any{
		"@context":  []any{"https://www.w3.org/ns/credentials/v2", "https://w3id.org/gaia-x/development#"},
		"type":      []any{"VerifiableCredential", "gx:LegalPerson"},
		"id":        "https://provider.example/credentials/legal-person",
		"issuer":    "did:web:provider.example",
		"validFrom": "2026-12-06T00:00:00Z",
		"credentialSubject": map[string]any{
			"id":          "https://provider.example/legal-person#subject",
			"schema:name": "Kommunale IT Nord",
		},
	}
}

func header() Header {
	return Header{Typ: TypeCredential, Cty: ContentCredential, Kid: "did:web:provider.example#key-1", Iss: "did:web:provider.example"}
}

var testKeys = func() map[string]crypto.Signer {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return map[string]crypto.Signer{PS256: r, ES256: e}
}()

// TestAnotherLibraryVerifies checks every signature with go-jose, a JOSE implementation this
// package shares no code with, as a verifier of the credential would.
func TestAnotherLibraryVerifies(t *testing.T) {
	for alg, key := range testKeys {
		t.Run(alg, func(t *testing.T) {
			compact, err := Sign(key, header(), credential())
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			payload, err := jws.Verify(key.Public())
			if err != nil {
				t.Fatalf("go-jose does not verify the %s signature: %v", alg, err)
			}
			var got map[string]any
			if err := json.Unmarshal(payload, &got); err != nil {
				t.Fatal(err)
			}
			if got["issuer"] != "did:web:provider.example" || got["vc"] != nil {
				t.Errorf("payload is not the credential itself: %v", got)
			}
			p := jws.Signatures[0].Protected
			if p.Algorithm != alg || p.KeyID != "did:web:provider.example#key-1" ||
				p.ExtraHeaders["typ"] != TypeCredential || p.ExtraHeaders["cty"] != ContentCredential || p.ExtraHeaders["iss"] != "did:web:provider.example" {
				t.Errorf("protected header: %+v", p)
			}
		})
	}
}

// TestTamperedCredentialsFail changes what was signed in every way a forger could and
// expects both verifiers to refuse it.
func TestTamperedCredentialsFail(t *testing.T) {
	for alg, key := range testKeys {
		compact, err := Sign(key, header(), credential())
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(compact, ".")
		other := credential()
		other["issuer"] = "did:web:someone-else.example"
		forgedPayload, _ := json.Marshal(other)
		forgedHeader, _ := json.Marshal(Header{Alg: alg, Typ: TypeCredential, Cty: ContentCredential, Kid: "did:web:someone-else.example#key-1", Iss: "did:web:someone-else.example"})
		otherKey := testKeys[PS256]
		if alg == PS256 {
			otherKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		}
		signedByOther, err := Sign(otherKey, header(), credential())
		if err != nil {
			t.Fatal(err)
		}
		flipped := []byte(parts[2])
		flipped[5] ^= 0x01
		cases := map[string]string{
			"another payload":         parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2],
			"another header":          base64.RawURLEncoding.EncodeToString(forgedHeader) + "." + parts[1] + "." + parts[2],
			"a changed signature":     parts[0] + "." + parts[1] + "." + string(flipped),
			"another key's signature": signedByOther,
		}
		for name, forged := range cases {
			if _, _, err := Verify(forged, key.Public()); err == nil {
				t.Errorf("%s, %s: Verify accepted it", alg, name)
			}
			if jws, err := jose.ParseSigned(forged, []jose.SignatureAlgorithm{jose.PS256, jose.ES256}); err == nil {
				if _, err := jws.Verify(key.Public()); err == nil {
					t.Errorf("%s, %s: go-jose accepted it", alg, name)
				}
			}
		}
		if _, payload, err := Verify(compact, key.Public()); err != nil || !strings.Contains(string(payload), "gx:LegalPerson") {
			t.Errorf("%s: the untouched credential does not verify: %v", alg, err)
		}
	}
}

func TestSignaturesAreDeterministic(t *testing.T) {
	for alg, key := range testKeys {
		a, err := Sign(key, header(), credential())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Sign(key, header(), credential())
		if a != b {
			t.Errorf("%s: the same credential signed twice gave two JWS", alg)
		}
		other := credential()
		other["validFrom"] = "2026-12-07T00:00:00Z"
		c, _ := Sign(key, header(), other)
		if strings.Split(a, ".")[2] == strings.Split(c, ".")[2] {
			t.Errorf("%s: two credentials share a signature", alg)
		}
	}
}

func TestRefusedKeys(t *testing.T) {
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"RSA 1024": small, "P-384": p384, "Ed25519": ed} {
		if _, err := Sign(key, header(), credential()); err == nil {
			t.Errorf("%s: signed", name)
		}
	}
}

func TestEnveloped(t *testing.T) {
	e := Enveloped("a.b.c")
	if e["id"] != "data:application/vc+jwt,a.b.c" || e["type"] != "EnvelopedVerifiableCredential" {
		t.Errorf("%v", e)
	}
}

func TestPresentationEnvelopesInOrder(t *testing.T) {
	vp := Presentation("did:web:p.example#vp", "did:web:p.example", "2026-12-06T00:00:00Z", "a.b.c", "d.e.f")
	list := vp["verifiableCredential"].([]any)
	for i, want := range []string{"a.b.c", "d.e.f"} {
		if got, ok := Unenveloped(list[i]); !ok || got != want {
			t.Errorf("credential %d: %q, %v", i, got, ok)
		}
	}
	if _, ok := Unenveloped(map[string]any{"type": "VerifiableCredential", "id": "data:application/vc+jwt,x"}); ok {
		t.Error("a credential that is not enveloped was unwrapped")
	}
	if vp["issuer"] != "did:web:p.example" || vp["validFrom"] == "" {
		t.Errorf("issuer and validFrom are mandatory in a presentation: %v", vp)
	}
}

// TestPublicJWKVerifiesWithGoJose reads the JWK the DID document publishes with go-jose and
// verifies a signature with the key it yields: what a compliance service does with did.json.
func TestPublicJWKVerifiesWithGoJose(t *testing.T) {
	for name, key := range testKeys {
		t.Run(name, func(t *testing.T) {
			jwk, err := PublicJWK(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(jwk)
			var parsed jose.JSONWebKey
			if err := parsed.UnmarshalJSON(raw); err != nil {
				t.Fatalf("go-jose does not read %s: %v", raw, err)
			}
			compact, err := Sign(key, header(), map[string]any{"id": "x"})
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.PS256, jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jws.Verify(parsed.Key); err != nil {
				t.Errorf("the JWK's key does not verify: %v", err)
			}
		})
	}
}

// BenchmarkSign is what a credential's signature costs, per algorithm (docs/performance.md
// cites it).
func BenchmarkSign(b *testing.B) {
	for alg, key := range testKeys {
		b.Run(alg, func(b *testing.B) {
			payload := map[string]any{"id": "https://provider.example/credentials/x.json", "credentialSubject": map[string]any{"id": "x"}}
			for b.Loop() {
				if _, err := Sign(key, header(), payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
