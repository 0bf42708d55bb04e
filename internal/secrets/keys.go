package secrets

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// Kind is what a generated key holds.
type Kind string

const (
	// KindPassword is a random string of the key's Length (the default).
	KindPassword Kind = ""
	// KindRSA2048 is a 2048-bit RSA private key, PKCS #8 in PEM ("PRIVATE KEY"). RSA-2048 is
	// what every DKIM verifier and DNS provider accepts (RFC 8301 requires verifiers to
	// support it; Ed25519 keys, RFC 8463, are not yet verified everywhere), and 2048 bits is
	// the smallest modulus Stalwart signs with (stalwartlabs/stalwart
	// crates/common/src/config/mod.rs, RSA_MIN_MODULUS_BITS; PKCS #1 and #8 both accepted).
	KindRSA2048 Kind = "rsa-2048"
)

// RSAPrivateKey is a key holding a generated RSA-2048 private key in PEM.
func RSAPrivateKey(name string) Key { return Key{Name: name, Kind: KindRSA2048} }

func generateRSA(rnd io.Reader) ([]byte, error) {
	key, err := rsa.GenerateKey(rnd, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicKeyDER returns the DER SubjectPublicKeyInfo of a PEM private key, which is what a DKIM
// record's p= tag carries (RFC 6376 section 3.6.1), so that the public half can be published
// without the private half leaving the Secret.
func PublicKeyDER(privatePEM []byte) ([]byte, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
	return x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
}
