// Package secrets declares the credentials a workspace's components generate, and generates
// them. Generated values are created once and never regenerated while they exist: a database
// password that changed under a running database would lock its service out.
package secrets

import (
	"crypto/rand"
	"fmt"
	"io"
	"maps"
	"slices"
)

// Spec is a Secret of generated credentials a component needs.
type Spec struct {
	// Name of the Secret in the workspace namespace.
	Name string
	// Component that needs it, for labels.
	Component string
	// Keys to generate, each with its own length.
	Keys []Key
	// Type is the Secret's type; Opaque when empty. It cannot change once the Secret exists.
	Type string
	// Static values stored alongside, so that consumers find everything about a connection
	// (host, port, user) in one Secret. They are kept up to date, unlike generated keys.
	Static map[string]string
}

// KeyNames are the keys the Secret holds: the generated ones in spec order, then the static
// ones sorted.
func (s Spec) KeyNames() []string {
	out := make([]string, 0, len(s.Keys)+len(s.Static))
	for _, k := range s.Keys {
		out = append(out, k.Name)
	}
	return append(out, slices.Sorted(maps.Keys(s.Static))...)
}

// Key is one generated value.
type Key struct {
	Name string
	// Length in characters of the alphabet; 32 alphanumerics hold about 190 bits.
	Length int
	// Kind of value; a password when empty.
	Kind Kind
}

// Password is the usual key: 32 alphanumeric characters, safe in URLs, config files and
// shell without quoting.
func Password(name string) Key { return Key{Name: name, Length: 32} }

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Missing returns the keys of spec that existing lacks, in spec order.
func Missing(spec Spec, existing map[string][]byte) []Key {
	var out []Key
	for _, k := range spec.Keys {
		if len(existing[k.Name]) == 0 {
			out = append(out, k)
		}
	}
	return out
}

// StaleStatic returns the static keys of spec whose value in existing differs, sorted.
func StaleStatic(spec Spec, existing map[string][]byte) []string {
	var out []string
	for k, v := range spec.Static {
		if string(existing[k]) != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Generate returns a value for every key, read from rnd (crypto/rand.Reader in production).
// Characters are drawn by rejection sampling, so every character is equally likely.
func Generate(keys []Key, rnd io.Reader) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if k.Kind == KindRSA2048 {
			v, err := generateRSA(rnd)
			if err != nil {
				return nil, fmt.Errorf("generating %s: %w", k.Name, err)
			}
			out[k.Name] = v
			continue
		}
		if k.Kind != KindPassword {
			return nil, fmt.Errorf("key %s: unknown kind %q", k.Name, k.Kind)
		}
		if k.Length <= 0 {
			return nil, fmt.Errorf("key %s: length must be positive", k.Name)
		}
		v, err := randomString(k.Length, rnd)
		if err != nil {
			return nil, fmt.Errorf("generating %s: %w", k.Name, err)
		}
		out[k.Name] = v
	}
	return out, nil
}

// Reader is the source of randomness for generated credentials.
var Reader io.Reader = rand.Reader

func randomString(n int, rnd io.Reader) ([]byte, error) {
	// 62 characters: bytes >= 248 (the largest multiple of 62 below 256) are rejected.
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return out, nil
}

// Names returns the sorted Secret names of specs.
func Names(specs []Spec) []string {
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}
