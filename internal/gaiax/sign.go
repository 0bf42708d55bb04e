package gaiax

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ProofType is the signature suite: W3C-CCG JSON Web Signature 2020
// (https://w3c-ccg.github.io/lds-jws2020/), which the Gaia-X compliance service accepts.
const ProofType = "JsonWebSignature2020"

// SigningKeyKey is the key of the signing key Secret that holds the PKCS#8 PEM private key.
const SigningKeyKey = "key.pem"

// Signer signs credentials with one key. Only deterministic algorithms are offered, Ed25519
// (EdDSA, RFC 8032) and RSA PKCS#1 v1.5 (RS256): the same credential always gets the same
// signature, so the published ConfigMap does not change on every reconcile. ECDSA and PS256
// draw a random nonce or salt and are therefore not offered.
type Signer struct {
	key                crypto.Signer
	alg                string
	verificationMethod string
	// identity is what, besides the credential, decides the proof: algorithm, verification
	// method and public key. Documents remembers signed credentials under it.
	identity []byte
}

// ParseSigningKey reads a PKCS#8 PEM private key (Ed25519, or RSA of at least 2048 bits).
// Errors never include key material.
func ParseSigningKey(pemBytes []byte, verificationMethod string) (*Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("signing key is not a PKCS#8 PEM block (\"PRIVATE KEY\")")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("signing key is not a valid PKCS#8 private key")
	}
	var s *Signer
	switch k := parsed.(type) {
	case ed25519.PrivateKey:
		s = &Signer{key: k, alg: "EdDSA", verificationMethod: verificationMethod}
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA signing key has %d bits, at least 2048 are needed", k.N.BitLen())
		}
		s = &Signer{key: k, alg: "RS256", verificationMethod: verificationMethod}
	default:
		return nil, fmt.Errorf("signing key of type %T is not supported: use Ed25519 or RSA, whose signatures are deterministic", parsed)
	}
	public, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		return nil, errors.New("signing key has no encodable public key")
	}
	s.identity = fmt.Appendf(nil, "%s\x00%s\x00%x", s.alg, s.verificationMethod, public)
	return s, nil
}

// Sign returns a copy of vc with a JsonWebSignature2020 proof, created at created (RFC 3339,
// from the inputs; omitted when empty). The proof is a detached JWS with an unencoded payload
// (RFC 7797, b64=false) over SHA-256(canonical proof options) || SHA-256(canonical
// credential), both canonicalised with URDNA2015, as the suite's create-proof steps say.
func (s *Signer) Sign(vc Credential, created string) (Credential, error) {
	proof := map[string]any{
		"type":               ProofType,
		"proofPurpose":       "assertionMethod",
		"verificationMethod": s.verificationMethod,
	}
	if created != "" {
		proof["created"] = created
	}
	header, err := json.Marshal(map[string]any{"alg": s.alg, "b64": false, "crit": []string{"b64"}})
	if err != nil {
		return nil, err
	}
	encodedHeader := base64.RawURLEncoding.EncodeToString(header)
	payload, err := signingPayload(vc, proof)
	if err != nil {
		return nil, err
	}
	input := append([]byte(encodedHeader+"."), payload...)
	var sig []byte
	switch k := s.key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, input)
	case *rsa.PrivateKey:
		digest := sha256.Sum256(input)
		// PKCS#1 v1.5 signatures are deterministic; the reader is not used.
		sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest[:])
		if err != nil {
			return nil, err
		}
	}
	proof["jws"] = encodedHeader + ".." + base64.RawURLEncoding.EncodeToString(sig)
	out := Credential{}
	for k, v := range vc {
		out[k] = v
	}
	out["proof"] = proof
	return out, nil
}

// Public returns the public key that verifies the signer's signatures.
func (s *Signer) Public() crypto.PublicKey { return s.key.Public() }

// Verify checks the JsonWebSignature2020 proof of a credential (as published JSON) with the
// given public key.
func Verify(published []byte, pub crypto.PublicKey) error {
	var vc map[string]any
	if err := json.Unmarshal(published, &vc); err != nil {
		return fmt.Errorf("credential is not JSON: %w", err)
	}
	proof, ok := vc["proof"].(map[string]any)
	if !ok {
		return errors.New("credential has no proof")
	}
	if proof["type"] != ProofType {
		return fmt.Errorf("proof type %v is not %s", proof["type"], ProofType)
	}
	jws, _ := proof["jws"].(string)
	encodedHeader, encodedSig, ok := strings.Cut(jws, "..")
	if !ok {
		return errors.New("proof's jws is not a detached JWS")
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(encodedHeader)
	if err != nil {
		return fmt.Errorf("JWS header: %w", err)
	}
	var header struct {
		Alg  string   `json:"alg"`
		B64  *bool    `json:"b64"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return fmt.Errorf("JWS header: %w", err)
	}
	if header.B64 == nil || *header.B64 {
		return errors.New("JWS header must have b64 false")
	}
	sig, err := base64.RawURLEncoding.DecodeString(encodedSig)
	if err != nil {
		return fmt.Errorf("JWS signature: %w", err)
	}
	options := map[string]any{}
	for k, v := range proof {
		if k != "jws" {
			options[k] = v
		}
	}
	delete(vc, "proof")
	payload, err := signingPayload(vc, options)
	if err != nil {
		return err
	}
	input := append([]byte(encodedHeader+"."), payload...)
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if header.Alg != "EdDSA" || !ed25519.Verify(k, input, sig) {
			return errors.New("signature does not verify")
		}
	case *rsa.PublicKey:
		digest := sha256.Sum256(input)
		if header.Alg != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return errors.New("signature does not verify")
		}
	default:
		return fmt.Errorf("public key of type %T is not supported", pub)
	}
	return nil
}

// signingPayload is SHA-256 of the canonical proof options (with the credential's context)
// followed by SHA-256 of the canonical credential without proof.
func signingPayload(vc Credential, proofOptions map[string]any) ([]byte, error) {
	withContext := map[string]any{"@context": vc["@context"]}
	for k, v := range proofOptions {
		withContext[k] = v
	}
	optionsHash, err := canonicalHash(withContext)
	if err != nil {
		return nil, fmt.Errorf("canonicalising proof options: %w", err)
	}
	unsigned := map[string]any{}
	for k, v := range vc {
		if k != "proof" {
			unsigned[k] = v
		}
	}
	docHash, err := canonicalHash(unsigned)
	if err != nil {
		return nil, fmt.Errorf("canonicalising credential: %w", err)
	}
	return append(optionsHash, docHash...), nil
}

func canonicalHash(doc map[string]any) ([]byte, error) {
	generic, err := generic(doc)
	if err != nil {
		return nil, err
	}
	nquads, err := Canonicalize(generic)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(nquads))
	return sum[:], nil
}

// generic turns Go values into what encoding/json parses ([]any, map[string]any), the only
// shapes the JSON-LD processor understands.
func generic(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}
