package gaiax

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// Names and keys of the published credentials.
const (
	ConfigMapName       = "rathaus-gaiax"
	LegalParticipantKey = "legal-participant.json"
	ServiceOfferingKey  = "service-offering.json"
)

// Component publishes the workspace's Gaia-X credentials in the ConfigMap rathaus-gaiax. A
// workspace whose platform has no provider.gaiaX publishes none.
type Component struct{}

// Name implements stack.Component.
func (Component) Name() string { return "gaiax" }

// Render implements stack.Component.
func (Component) Render(in stack.Inputs) ([]client.Object, error) {
	data, err := configMapData(in)
	if err != nil || data == nil {
		return nil, err
	}
	return []client.Object{&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: kit.Meta(in, Component{}.Name(), ConfigMapName),
		Data:       data,
	}}, nil
}

// configMapData is what the ConfigMap publishes in the platform's format; nil when the
// platform publishes no credentials.
func configMapData(in stack.Inputs) (map[string]string, error) {
	_, gx := settings(in.Platform)
	switch {
	case gx == nil:
		return nil, nil
	case gx.EffectiveFormat() == rathausv1alpha1.GaiaXFormatLoire:
		b, err := Loire(in)
		if err != nil {
			return nil, err
		}
		return map[string]string{
			LegalPersonKey:        b.LegalPerson,
			IssuerKey:             b.Issuer,
			ServiceOfferingJWTKey: b.ServiceOffering,
			PresentationKey:       b.Presentation,
			DIDKeyKey:             string(b.DIDKey),
		}, nil
	}
	docs, err := Documents(in)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		LegalParticipantKey: string(docs.LegalParticipant),
		ServiceOfferingKey:  string(docs.ServiceOffering),
	}, nil
}

// Published are a workspace's credentials as published JSON.
type Published struct {
	LegalParticipant []byte
	ServiceOffering  []byte
	OfferingID       string
	Signed           bool
}

// Documents renders, and signs when the platform has a signing key, the workspace's
// credentials; nil when the platform publishes none.
func Documents(in stack.Inputs) (*Published, error) {
	_, gx := settings(in.Platform)
	if gx == nil {
		return nil, nil
	}
	participant, err := LegalParticipant(in)
	if err != nil {
		return nil, err
	}
	offering, err := ServiceOffering(in)
	if err != nil {
		return nil, err
	}
	signer, err := signerFor(in, gx)
	if err != nil {
		return nil, err
	}
	out := &Published{OfferingID: offering["id"].(string), Signed: signer != nil}
	if out.LegalParticipant, err = publish(participant, signer); err != nil {
		return nil, err
	}
	if out.ServiceOffering, err = publish(offering, signer); err != nil {
		return nil, err
	}
	return out, nil
}

// publish returns the credential as published JSON, signed when there is a signer. The
// result is remembered by the digest of the unsigned JSON and the signer's identity (the
// issuance date, which the proof repeats, is part of that JSON): the same input always gives
// the same bytes, so a remembered one is as good as a new one. The bytes are shared; callers
// must not change them.
func publish(vc Credential, signer *Signer) ([]byte, error) {
	unsigned, err := marshal(vc)
	if err != nil {
		return nil, err
	}
	var identity []byte
	if signer != nil {
		identity = signer.identity
	}
	key := memoKey(identity, unsigned)
	if b, ok := published.get(key); ok {
		return b, nil
	}
	if signer == nil {
		// Signing canonicalises, which checks the document; unsigned ones are checked here.
		if err := validate(vc); err != nil {
			return nil, err
		}
		published.put(key, unsigned)
		return unsigned, nil
	}
	created, _ := vc["issuanceDate"].(string)
	signed, err := signer.Sign(vc, created)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", vc["id"], err)
	}
	b, err := marshal(signed)
	if err != nil {
		return nil, err
	}
	published.put(key, b)
	return b, nil
}

func validate(vc Credential) error {
	g, err := generic(vc)
	if err != nil {
		return err
	}
	if _, err := Expand(g); err != nil {
		return fmt.Errorf("credential %s is not valid JSON-LD: %w", vc["id"], err)
	}
	return nil
}

// signerFor returns the signer of the platform's signing key, or nil when the platform has
// none. The reconciler reads the Secret (PlatformSecretRefs) and stalls while it is missing.
func signerFor(in stack.Inputs, gx *rathausv1alpha1.GaiaXCredentials) (*Signer, error) {
	if gx.SigningKeySecret == nil {
		return nil, nil
	}
	ref := *gx.SigningKeySecret
	data, ok := in.PlatformSecrets[stack.RefKey(ref)]
	if !ok {
		return nil, fmt.Errorf("signing key Secret %s was not read", stack.RefKey(ref))
	}
	pemBytes, ok := data[SigningKeyKey]
	if !ok {
		return nil, fmt.Errorf("signing key Secret %s has no key %s", stack.RefKey(ref), SigningKeyKey)
	}
	vm := gx.VerificationMethod
	if vm == "" {
		vm = gx.Issuer + "#key-1"
	}
	signer, err := ParseSigningKey(pemBytes, vm)
	if err != nil {
		return nil, fmt.Errorf("signing key Secret %s: %w", stack.RefKey(ref), err)
	}
	return signer, nil
}

// marshal writes a credential as indented JSON. encoding/json sorts map keys, so the bytes
// depend only on the content; HTML escaping is off so URLs stay readable.
func marshal(vc Credential) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(vc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Summary is the credentials' summary for the workspace's status; nil when the platform
// publishes none or they cannot be rendered (the workspace then stalls on the render error).
func Summary(in stack.Inputs) *rathausv1alpha1.CredentialsStatus {
	_, gx := settings(in.Platform)
	if gx == nil {
		return nil
	}
	if gx.EffectiveFormat() == rathausv1alpha1.GaiaXFormatLoire {
		offeringID, digest, err := LoireSummary(in)
		if err != nil {
			return nil
		}
		return &rathausv1alpha1.CredentialsStatus{
			ConfigMap:  ConfigMapName,
			Format:     rathausv1alpha1.GaiaXFormatLoire,
			OfferingID: offeringID,
			Signed:     true,
			Digest:     digest,
		}
	}
	docs, err := Documents(in)
	if err != nil || docs == nil {
		return nil
	}
	return &rathausv1alpha1.CredentialsStatus{
		ConfigMap:  ConfigMapName,
		Format:     rathausv1alpha1.GaiaXFormatTagus,
		OfferingID: docs.OfferingID,
		Signed:     docs.Signed,
		Digest:     digest(docs.ServiceOffering),
	}
}

// PresentationDigest is the digest status.credentials.digest gives of a Loire presentation.
func PresentationDigest(presentation string) string { return digest([]byte(presentation)) }

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
