package controllers

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/rathaus-io/rathaus/internal/secrets"
)

func TestPublicKeysFollowThePrivateKey(t *testing.T) {
	generate := func() []byte {
		data, err := secrets.Generate([]secrets.Key{secrets.RSAPrivateKey("private")}, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return data["private"]
	}
	first, second := generate(), generate()
	var p publicKeys
	for _, step := range []struct {
		namespace string
		private   []byte
	}{{"kiel", first}, {"kiel", first}, {"kiel", second}, {"luebeck", first}} {
		got, err := p.derive(step.namespace, "rathaus-mail-dkim/private", step.private)
		if err != nil {
			t.Fatal(err)
		}
		want, err := secrets.PublicKeyDER(step.private)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: remembered a public key that is not the private key's", step.namespace)
		}
	}
	if _, err := p.derive("kiel", "rathaus-mail-dkim/private", []byte("not a key")); err == nil {
		t.Error("a key that does not parse was answered from memory")
	}
	p.forget("kiel")
	if _, ok := p.byRef["kiel/rathaus-mail-dkim/private"]; ok {
		t.Error("a gone workspace's key is still remembered")
	}
	if _, ok := p.byRef["luebeck/rathaus-mail-dkim/private"]; !ok {
		t.Error("forgetting one namespace forgot another's")
	}
}
