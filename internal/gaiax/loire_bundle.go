package gaiax

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// Keys of the Loire credentials in the ConfigMap rathaus-gaiax, and of the registration
// credential in the provider's Secret.
const (
	LegalPersonKey            = "legal-person.jwt"
	IssuerKey                 = "issuer.jwt"
	ServiceOfferingJWTKey     = "service-offering.jwt"
	PresentationKey           = "presentation.jwt"
	DIDKeyKey                 = "did-key.json"
	RegistrationCredentialKey = "credential.jwt"
)

// LoireBundle is a workspace's credentials in the Loire format: each a compact vc+jwt, the
// presentation of all of them (with the notary's registration credential) a vp+jwt, and the
// public key's entry for the provider's DID document.
type LoireBundle struct {
	LegalPerson, Issuer, ServiceOffering, Presentation string
	DIDKey                                             []byte
	OfferingID                                         string
}

// Loire renders and signs a workspace's Loire credentials. The dates come from the inputs
// (issuanceDate) and the signatures are deterministic (vcjwt), so that the same inputs give
// the same bytes.
func Loire(in stack.Inputs) (*LoireBundle, error) {
	d, err := prepareLoire(in)
	if err != nil {
		return nil, err
	}
	return d.sign()
}

// loireDocs are a workspace's Loire credentials before they are signed.
type loireDocs struct {
	key                            *loireSigner
	issuer, registration           string
	legalPerson, issuerVC, offered loire.Credential
	offeringID, offeringDate       string
	gx                             *rathausv1alpha1.GaiaXCredentials
}

func prepareLoire(in stack.Inputs) (*loireDocs, error) {
	provider, gx := settings(in.Platform)
	key, err := loireKey(in, gx)
	if err != nil {
		return nil, err
	}
	registration, err := registrationCredential(in, gx)
	if err != nil {
		return nil, err
	}
	_, registrationID, err := loire.Registration(registration)
	if err != nil {
		return nil, fmt.Errorf("registration credential Secret %s: %w", stack.RefKey(*gx.RegistrationCredentialSecret), err)
	}
	participant, err := loireParticipant(in.Platform, registrationID)
	if err != nil {
		return nil, err
	}
	offering, err := loireOffering(in, provider, gx)
	if err != nil {
		return nil, err
	}
	platformDate := issuanceDate(in.Platform.CreationTimestamp.Time)
	offeringDate := issuanceDate(latest(in.Platform.CreationTimestamp.Time, in.Workspace.CreationTimestamp.Time, in.Release.CreationTimestamp.Time))
	return &loireDocs{
		key: key, issuer: gx.Issuer, registration: registration, gx: gx,
		legalPerson: loire.LegalPerson(participant, platformDate),
		issuerVC:    loire.Issuer(participant, platformDate),
		offered:     loire.ServiceOffering(participant, offering, offeringDate),
		offeringID:  offering.ID, offeringDate: offeringDate,
	}, nil
}

func (d *loireDocs) sign() (*LoireBundle, error) {
	out := &LoireBundle{OfferingID: d.offeringID}
	credential := vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: d.key.kid, Iss: d.issuer}
	var err error
	if out.LegalPerson, err = d.key.sign(credential, d.legalPerson); err != nil {
		return nil, err
	}
	if out.Issuer, err = d.key.sign(credential, d.issuerVC); err != nil {
		return nil, err
	}
	if out.ServiceOffering, err = d.key.sign(credential, d.offered); err != nil {
		return nil, err
	}
	presentation := vcjwt.Presentation(d.offeringID+"#presentation", d.issuer, d.offeringDate,
		out.LegalPerson, d.registration, out.Issuer, out.ServiceOffering)
	if out.Presentation, err = d.key.sign(vcjwt.Header{Typ: vcjwt.TypePresentation, Cty: vcjwt.ContentPresent, Kid: d.key.kid, Iss: d.issuer}, presentation); err != nil {
		return nil, err
	}
	if out.DIDKey, err = didKey(d.key, d.gx); err != nil {
		return nil, err
	}
	if k, err := d.digestKey(); err == nil {
		presentationDigests.put(k, []byte(PresentationDigest(out.Presentation)))
	}
	return out, nil
}

// digestKey is the digest of everything the presentation is made from: the key, the
// documents before signing, the notary's credential and the dates. Signatures are
// deterministic, so it decides the presentation.
func (d *loireDocs) digestKey() ([sha256.Size]byte, error) {
	parts := [][]byte{[]byte("loire-presentation"), d.key.identity, []byte(d.key.kid), []byte(d.issuer), []byte(d.registration), []byte(d.offeringDate)}
	for _, doc := range []loire.Credential{d.legalPerson, d.issuerVC, d.offered} {
		b, err := json.Marshal(doc)
		if err != nil {
			return [sha256.Size]byte{}, err
		}
		parts = append(parts, b)
	}
	return memoKey(parts...), nil
}

// LoireSummary is what status.credentials says of a workspace's Loire credentials: the
// offering's id and the presentation's digest. The digest is remembered by what the
// presentation is made from (digestKey), so that a reconcile that renders nothing, such as a
// settled workspace's, reports it without signing and without keeping every workspace's
// signed documents in memory.
func LoireSummary(in stack.Inputs) (offeringID, digest string, err error) {
	d, err := prepareLoire(in)
	if err != nil {
		return "", "", err
	}
	k, err := d.digestKey()
	if err != nil {
		return "", "", err
	}
	if v, ok := presentationDigests.get(k); ok {
		return d.offeringID, string(v), nil
	}
	b, err := d.sign()
	if err != nil {
		return "", "", err
	}
	return b.OfferingID, PresentationDigest(b.Presentation), nil
}

// loireSigner is the platform's key as it signs Loire credentials.
type loireSigner struct {
	key crypto.Signer
	alg string
	kid string
	// identity is what, besides the payload and header, decides a signature: the public key.
	identity []byte
}

func loireKey(in stack.Inputs, gx *rathausv1alpha1.GaiaXCredentials) (*loireSigner, error) {
	if gx.SigningKeySecret == nil {
		return nil, fmt.Errorf("WorkspacePlatform %s: provider.gaiaX.signingKeySecret is required for Loire credentials (the default format); set it, or set provider.gaiaX.format: Tagus for the Trust Framework 22.10 credentials", in.Platform.Name)
	}
	ref := stack.RefKey(*gx.SigningKeySecret)
	pemBytes, err := platformSecretKey(in, *gx.SigningKeySecret, SigningKeyKey)
	if err != nil {
		return nil, err
	}
	parsed, err := parseLoireKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("signing key Secret %s: %w", ref, err)
	}
	kid := gx.VerificationMethod
	if kid == "" {
		kid = gx.Issuer + "#key-1"
	}
	return &loireSigner{key: parsed.key, alg: parsed.alg, kid: kid, identity: parsed.identity}, nil
}

// parsedKey is a signing key as parseLoireKey found it.
type parsedKey struct {
	key      crypto.Signer
	alg      string
	identity []byte
}

// parsedKeys remembers parsed signing keys by the digest of their PEM: every reconcile reports
// the credentials' digest (Summary), and parsing and checking an RSA key on each would be
// most of a settled workspace's reconcile.
var parsedKeys sync.Map // [sha256.Size]byte -> parsedKey

// parseLoireKey reads a PKCS#8 PEM key that can sign Loire credentials. Errors never include
// key material.
func parseLoireKey(pemBytes []byte) (parsedKey, error) {
	digest := sha256.Sum256(pemBytes)
	if k, ok := parsedKeys.Load(digest); ok {
		return k.(parsedKey), nil
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PRIVATE KEY" {
		return parsedKey{}, errors.New(`not a PKCS#8 PEM block ("PRIVATE KEY")`)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return parsedKey{}, errors.New("not a valid PKCS#8 private key")
	}
	key, ok := parsed.(crypto.Signer)
	if !ok {
		return parsedKey{}, fmt.Errorf("a %T cannot sign", parsed)
	}
	alg, err := vcjwt.Algorithm(key)
	if err != nil {
		return parsedKey{}, fmt.Errorf("%w; Loire credentials need RSA of 2048 bits or more (PS256) or EC P-256 (ES256), or set provider.gaiaX.format: Tagus", err)
	}
	public, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return parsedKey{}, errors.New("no encodable public key")
	}
	k := parsedKey{key: key, alg: alg, identity: public}
	parsedKeys.Store(digest, k)
	return k, nil
}

// sign returns the compact JWS of payload under header, remembered by the key, header and
// payload (vcjwt signs deterministically, so a remembered signature is the one it would make)
// among the recently signed ones (loireSignatures).
func (s *loireSigner) sign(header vcjwt.Header, payload any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	key := memoKey([]byte("loire"), s.identity, h, p)
	if b, ok := loireSignatures.get(key); ok {
		return string(b), nil
	}
	compact, err := vcjwt.Sign(s.key, header, payload)
	if err != nil {
		return "", err
	}
	loireSignatures.put(key, []byte(compact))
	return compact, nil
}

func platformSecretKey(in stack.Inputs, ref rathausv1alpha1.NamespacedName, key string) ([]byte, error) {
	data, ok := in.PlatformSecrets[stack.RefKey(ref)]
	if !ok {
		return nil, fmt.Errorf("Secret %s was not read", stack.RefKey(ref))
	}
	v, ok := data[key]
	if !ok || len(v) == 0 {
		return nil, fmt.Errorf("Secret %s has no key %s", stack.RefKey(ref), key)
	}
	return v, nil
}

func registrationCredential(in stack.Inputs, gx *rathausv1alpha1.GaiaXCredentials) (string, error) {
	if gx.RegistrationCredentialSecret == nil {
		return "", fmt.Errorf("WorkspacePlatform %s: provider.gaiaX.registrationCredentialSecret is required for Loire credentials (the default format); set it to the notary-issued registration credential, or set provider.gaiaX.format: Tagus", in.Platform.Name)
	}
	v, err := platformSecretKey(in, *gx.RegistrationCredentialSecret, RegistrationCredentialKey)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(v)), nil
}

// didKey is the signing key's verification method for the provider's did.json: a
// JsonWebKey2020 whose JWK names the algorithm and, when the platform gives it, the
// certificate chain (x5u) a compliance service checks.
func didKey(s *loireSigner, gx *rathausv1alpha1.GaiaXCredentials) ([]byte, error) {
	jwk, err := vcjwt.PublicJWK(s.key.Public())
	if err != nil {
		return nil, err
	}
	jwk["alg"] = s.alg
	jwk["kid"] = s.kid
	if gx.CertificateChainURL != "" {
		jwk["x5u"] = gx.CertificateChainURL
	}
	return marshal(map[string]any{
		"id": s.kid, "type": "JsonWebKey2020", "controller": gx.Issuer, "publicKeyJwk": jwk,
	})
}
