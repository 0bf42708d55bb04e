package loire

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
)

// TestSignedPresentationVerifiesAndConforms is the whole participant bundle as a clearing
// house receives it: each document signed as a vc+jwt, enveloped in a presentation signed as
// a vp+jwt. go-jose, not the signer, verifies the presentation and then every credential in
// it; the credentials decoded from the presentation must still satisfy the 25.11 shapes.
func TestSignedPresentationVerifiesAndConforms(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := participant()
	header := func(typ, cty string) vcjwt.Header {
		return vcjwt.Header{Typ: typ, Cty: cty, Kid: p.DID + "#key-1", Iss: p.DID}
	}
	var compacts []string
	for _, doc := range []Credential{LegalPerson(p, validFrom), Issuer(p, validFrom), ServiceOffering(p, offering(), validFrom)} {
		c, err := vcjwt.Sign(key, header(vcjwt.TypeCredential, vcjwt.ContentCredential), doc)
		if err != nil {
			t.Fatal(err)
		}
		compacts = append(compacts, c)
	}
	// The notary's credential travels as it was issued; here it is signed by a stand-in key.
	notaryKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notarised, err := vcjwt.Sign(notaryKey, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: "did:web:notary.example.eu#key", Iss: "did:web:notary.example.eu"}, registration())
	if err != nil {
		t.Fatal(err)
	}
	vp, err := vcjwt.Sign(key, header(vcjwt.TypePresentation, vcjwt.ContentPresent),
		vcjwt.Presentation(p.DID+"#presentation", p.DID, validFrom, append(compacts, notarised)...))
	if err != nil {
		t.Fatal(err)
	}

	payload := verifyWithGoJose(t, vp, &key.PublicKey)
	var presentation map[string]any
	if err := json.Unmarshal(payload, &presentation); err != nil {
		t.Fatal(err)
	}
	var decoded []Credential
	for i, v := range presentation["verifiableCredential"].([]any) {
		compact, ok := vcjwt.Unenveloped(v)
		if !ok {
			t.Fatalf("credential %d is not enveloped: %v", i, v)
		}
		signer := &key.PublicKey
		if compact == notarised {
			signer = &notaryKey.PublicKey
		}
		var doc Credential
		if err := json.Unmarshal(verifyWithGoJose(t, compact, signer), &doc); err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, doc)
	}
	if len(decoded) != 4 {
		t.Fatalf("%d credentials in the presentation, want 4", len(decoded))
	}
	if errs := Check(decoded...); len(errs) > 0 {
		t.Errorf("the presented credentials violate the 25.11 shapes:\n%s", strings.Join(errs, "\n"))
	}
}

func verifyWithGoJose(t *testing.T, compact string, key *ecdsa.PublicKey) []byte {
	t.Helper()
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.ES256, jose.PS256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatalf("go-jose does not verify: %v", err)
	}
	return payload
}
