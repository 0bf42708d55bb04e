package secrets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMissing(t *testing.T) {
	spec := Spec{Name: "s", Keys: []Key{Password("a"), Password("b"), Password("c")}}
	got := Missing(spec, map[string][]byte{"a": []byte("x"), "c": {}})
	if len(got) != 2 || got[0].Name != "b" || got[1].Name != "c" {
		t.Fatalf("Missing = %+v, want b and c (an empty value counts as missing)", got)
	}
	if got := Missing(spec, map[string][]byte{"a": {1}, "b": {1}, "c": {1}}); len(got) != 0 {
		t.Fatalf("Missing = %+v, want none", got)
	}
}

func TestGenerate(t *testing.T) {
	got, err := Generate([]Key{Password("p"), {Name: "short", Length: 5}}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["p"]) != 32 || len(got["short"]) != 5 {
		t.Fatalf("lengths = %d, %d", len(got["p"]), len(got["short"]))
	}
	for _, c := range string(got["p"]) {
		if !strings.ContainsRune(alphabet, c) {
			t.Fatalf("character %q outside the alphabet", c)
		}
	}
	again, _ := Generate([]Key{Password("p")}, rand.Reader)
	if bytes.Equal(again["p"], got["p"]) {
		t.Fatal("two generated passwords are equal")
	}
}

func TestGenerateRejectsBiasedBytes(t *testing.T) {
	// Bytes of 248 and above would favour the first eight characters; they must be skipped.
	src := bytes.NewReader(append(bytes.Repeat([]byte{255}, 8), bytes.Repeat([]byte{63}, 64)...))
	got, err := Generate([]Key{{Name: "k", Length: 4}}, src)
	if err != nil {
		t.Fatal(err)
	}
	// 63 % 62 = 1: every accepted byte maps to alphabet[1].
	if string(got["k"]) != "bbbb" {
		t.Fatalf("value %q used a rejected byte", got["k"])
	}
}

func TestGenerateFailsWithoutRandomness(t *testing.T) {
	_, err := Generate([]Key{Password("p")}, bytes.NewReader(nil))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v, want io.EOF", err)
	}
}

func TestStaleStatic(t *testing.T) {
	spec := Spec{Static: map[string]string{"host": "db", "port": "5432", "user": "nc"}}
	got := StaleStatic(spec, map[string][]byte{"host": []byte("db"), "port": []byte("5433")})
	if strings.Join(got, ",") != "port,user" {
		t.Fatalf("StaleStatic = %v, want [port user]", got)
	}
}
