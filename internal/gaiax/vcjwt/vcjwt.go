// Package vcjwt secures W3C Verifiable Credentials 2.0 and Presentations as compact JSON Web
// Signatures, the envelope the Gaia-X Loire release (ICAM 25.11, chapter 5) expects in place
// of an embedded proof: the JWS payload is the credential itself (no "vc" or "vp" claim),
// and the protected header names the algorithm, the media types and the issuer's key. See
// docs/design/gaiax-loire-research.md for the sources.
//
// Signatures are deterministic, so that the same credential is always published with the
// same bytes and a settled workspace's ConfigMap is not rewritten after a restart: ES256
// signs with the RFC 6979 nonce, and PS256 with a salt derived from the key and the signing
// input (PSS verification accepts any salt; the derivation is RFC 6979's idea applied to
// the salt).
package vcjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// Media types of the envelope (ICAM 25.11 §5.3.2.1, §5.5.2).
const (
	TypeCredential    = "vc+jwt"
	ContentCredential = "vc"
	TypePresentation  = "vp+jwt"
	ContentPresent    = "vp"
)

// Algorithms offered: PS256 (RSA of at least 2048 bits), the one every Gaia-X example and
// notary uses, and ES256 (P-256).
const (
	PS256 = "PS256"
	ES256 = "ES256"
)

// Header is the JWS protected header, in the order it is serialised.
type Header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Cty string `json:"cty"`
	// Kid is the DID URL of the issuer's verification method, e.g.
	// did:web:provider.example#key-1.
	Kid string `json:"kid"`
	// Iss is the issuer's DID; it must equal the payload's issuer.
	Iss string `json:"iss"`
}

// Algorithm returns the JWS algorithm the key signs with, or an error for keys that cannot
// sign deterministically or that Gaia-X does not take.
func Algorithm(key crypto.Signer) (string, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("RSA key has %d bits, at least 2048 are needed", k.N.BitLen())
		}
		return PS256, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("EC key on curve %s: ES256 needs P-256", k.Curve.Params().Name)
		}
		return ES256, nil
	}
	return "", fmt.Errorf("key of type %T cannot sign a Gaia-X credential: use RSA (PS256) or EC P-256 (ES256)", key)
}

// Sign returns the compact JWS of payload (a credential or presentation, marshalled as JSON
// with sorted keys) under header, whose Alg is set from key.
func Sign(key crypto.Signer, header Header, payload any) (string, error) {
	alg, err := Algorithm(key)
	if err != nil {
		return "", err
	}
	header.Alg = alg
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("credential is not JSON: %w", err)
	}
	input := encode(h) + "." + encode(p)
	sig, err := signInput(key, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + encode(sig), nil
}

func signInput(key crypto.Signer, input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	switch k := key.(type) {
	case *rsa.PrivateKey:
		salt := derivedSalt(k, input)
		return rsa.SignPSS(salt, k, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case *ecdsa.PrivateKey:
		der, err := k.Sign(nil, digest[:], crypto.SHA256) // nil: RFC 6979
		if err != nil {
			return nil, err
		}
		return rawECDSA(der)
	}
	return nil, fmt.Errorf("key of type %T is not supported", key)
}

// derivedSalt is a reader of the PSS salt: HMAC-SHA256 of the signing input under a key
// derived from the private exponent, so that the salt is unpredictable without the key and
// the same for the same input.
func derivedSalt(k *rsa.PrivateKey, input []byte) io.Reader {
	secret := sha256.Sum256(append([]byte("rathaus PS256 salt\x00"), k.D.Bytes()...))
	mac := hmac.New(sha256.New, secret[:])
	mac.Write(input)
	return strings.NewReader(string(mac.Sum(nil)))
}

// rawECDSA converts an ASN.1 ECDSA signature to JWS's fixed-size r || s (RFC 7518 §3.4).
func rawECDSA(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// Verify checks a compact JWS against the public key and returns its header and payload. It
// accepts only the algorithm the key type implies, so that a header cannot choose a weaker
// one.
func Verify(compact string, public crypto.PublicKey) (Header, []byte, error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return Header{}, nil, errors.New("not a compact JWS (three dot-separated parts)")
	}
	h, err := decode(parts[0])
	if err != nil {
		return Header{}, nil, fmt.Errorf("header: %w", err)
	}
	var header Header
	if err := json.Unmarshal(h, &header); err != nil {
		return Header{}, nil, fmt.Errorf("header: %w", err)
	}
	payload, err := decode(parts[1])
	if err != nil {
		return Header{}, nil, fmt.Errorf("payload: %w", err)
	}
	sig, err := decode(parts[2])
	if err != nil {
		return Header{}, nil, fmt.Errorf("signature: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := public.(type) {
	case *rsa.PublicKey:
		if header.Alg != PS256 || rsa.VerifyPSS(k, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) != nil {
			return Header{}, nil, errors.New("signature does not verify")
		}
	case *ecdsa.PublicKey:
		if header.Alg != ES256 || len(sig) != 64 ||
			!ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return Header{}, nil, errors.New("signature does not verify")
		}
	default:
		return Header{}, nil, fmt.Errorf("public key of type %T is not supported", public)
	}
	return header, payload, nil
}

// Presentation is the VC 2.0 presentation of signed credentials (compact JWS), issued by
// issuer, for signing as a vp+jwt: the Loire compliance service takes a participant's or an
// offering's credentials in one (ICAM 25.11 §5.5; issuer and validFrom are mandatory there
// too, §5.6).
func Presentation(id, issuer, validFrom string, credentials ...string) map[string]any {
	enveloped := make([]any, len(credentials))
	for i, c := range credentials {
		enveloped[i] = Enveloped(c)
	}
	return map[string]any{
		"@context":             []any{"https://www.w3.org/ns/credentials/v2"},
		"id":                   id,
		"type":                 []any{"VerifiablePresentation"},
		"issuer":               issuer,
		"validFrom":            validFrom,
		"verifiableCredential": enveloped,
	}
}

// Unenveloped is the compact JWS an enveloped credential carries; false when v is not one.
func Unenveloped(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || m["type"] != "EnvelopedVerifiableCredential" {
		return "", false
	}
	id, _ := m["id"].(string)
	return strings.CutPrefix(id, "data:application/vc+jwt,")
}

// Enveloped is a signed credential as a VC 2.0 presentation lists it (ICAM 25.11 §5.4.2).
func Enveloped(compact string) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/credentials/v2",
		"id":       "data:application/vc+jwt," + compact,
		"type":     "EnvelopedVerifiableCredential",
	}
}

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
