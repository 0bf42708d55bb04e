package secrets

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestGenerateRSAPrivateKey(t *testing.T) {
	got, err := Generate([]Key{RSAPrivateKey("dkim.key"), Password("p")}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["p"]) != 32 {
		t.Fatalf("password length %d: generating a key must leave passwords as they were", len(got["p"]))
	}
	block, rest := pem.Decode(got["dkim.key"])
	if block == nil || block.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("not one PKCS #8 PEM block: %q", got["dkim.key"])
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok || rsaKey.N.BitLen() != 2048 {
		t.Fatalf("key is %T, want a 2048-bit RSA key", key)
	}

	pub, err := PublicKeyDER(got["dkim.key"])
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParsePKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !rsaKey.PublicKey.Equal(parsed) {
		t.Fatal("the derived public key is not the private key's")
	}

	again, _ := Generate([]Key{RSAPrivateKey("dkim.key")}, rand.Reader)
	if bytes.Equal(again["dkim.key"], got["dkim.key"]) {
		t.Fatal("two generated keys are equal")
	}
}

func TestMissingKeepsAnExistingPrivateKey(t *testing.T) {
	spec := Spec{Name: "dkim", Keys: []Key{RSAPrivateKey("dkim.key")}}
	if got := Missing(spec, map[string][]byte{"dkim.key": []byte("-----BEGIN PRIVATE KEY-----")}); len(got) != 0 {
		t.Fatalf("Missing = %+v: an existing key would be regenerated", got)
	}
	if got := Missing(spec, nil); len(got) != 1 || got[0].Kind != KindRSA2048 {
		t.Fatalf("Missing = %+v, want the key with its kind", got)
	}
}

func TestPublicKeyDERRejectsGarbage(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("not pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})} {
		if _, err := PublicKeyDER(in); err == nil {
			t.Errorf("PublicKeyDER(%q) succeeded", in)
		}
	}
}

func TestGenerateRejectsUnknownKind(t *testing.T) {
	if _, err := Generate([]Key{{Name: "k", Kind: "dsa"}}, rand.Reader); err == nil {
		t.Fatal("an unknown kind was generated")
	}
}
