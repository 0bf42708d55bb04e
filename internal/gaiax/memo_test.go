package gaiax

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/rathaus-io/rathaus/internal/stack"
)

// freshMemo gives the test an empty memo, so that what it compares was computed, not
// remembered.
func freshMemo(t testing.TB) *memo {
	t.Helper()
	saved := published
	published = newMemo(memoSize)
	t.Cleanup(func() { published = saved })
	return published
}

func TestMemoEvictsLeastRecentlyUsed(t *testing.T) {
	m := newMemo(2)
	a, b, c := memoKey([]byte("a")), memoKey([]byte("b")), memoKey([]byte("c"))
	m.put(a, []byte("A"))
	m.put(b, []byte("B"))
	m.get(a) // a is now the most recently used
	m.put(c, []byte("C"))
	if _, ok := m.get(b); ok {
		t.Error("b, the least recently used, was kept past the bound")
	}
	for k, want := range map[[32]byte]string{a: "A", c: "C"} {
		if got, ok := m.get(k); !ok || string(got) != want {
			t.Errorf("got %q, %v; want %q", got, ok, want)
		}
	}
	if m.len() != 2 {
		t.Errorf("memo holds %d entries, bound is 2", m.len())
	}
}

func TestMemoKeySeparatesParts(t *testing.T) {
	if memoKey([]byte("ab"), []byte("c")) == memoKey([]byte("a"), []byte("bc")) {
		t.Error("parts that concatenate to the same bytes share a key")
	}
	if memoKey(nil, []byte("x")) == memoKey([]byte("x")) {
		t.Error("an empty signer identity and none share a key")
	}
}

// TestRememberedEqualsComputed: a document from the memo is byte-identical to one computed
// from scratch, for every kind of key, and a change of content or key is never answered from
// the memo.
func TestRememberedEqualsComputed(t *testing.T) {
	for _, key := range []any{nil, testKey(), rsaKey(t)} {
		t.Run(fmt.Sprintf("%T", key), func(t *testing.T) {
			m := freshMemo(t)
			first := documents(t, inputs(t, key))
			if m.len() != 2 {
				t.Fatalf("memo holds %d documents after one workspace, want 2", m.len())
			}
			remembered := documents(t, inputs(t, key))
			freshMemo(t)
			computed := documents(t, inputs(t, key))
			for _, got := range []*Published{first, remembered} {
				if !bytes.Equal(got.ServiceOffering, computed.ServiceOffering) || !bytes.Equal(got.LegalParticipant, computed.LegalParticipant) {
					t.Fatal("a remembered document differs from the computed one")
				}
			}
			renamed := documents(t, inputs(t, key, func(in *stack.Inputs) { in.Workspace.Spec.DisplayName = "Kiel" }))
			if bytes.Equal(renamed.ServiceOffering, computed.ServiceOffering) {
				t.Error("a changed offering was answered from the memo")
			}
		})
	}
	t.Run("other key", func(t *testing.T) {
		freshMemo(t)
		a := documents(t, inputs(t, testKey()))
		b := documents(t, inputs(t, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))))
		if bytes.Equal(a.ServiceOffering, b.ServiceOffering) {
			t.Error("a credential signed with another key was answered from the memo")
		}
	})
}

// BenchmarkDocuments shows what the memo saves on each reconcile: computed is a workspace's
// credentials canonicalised and signed from scratch, remembered the same call once they are
// known.
func BenchmarkDocuments(b *testing.B) {
	freshMemo(b)
	for _, tc := range []struct {
		name string
		key  any
	}{{"unsigned", nil}, {"ed25519", testKey()}, {"rsa", rsaKey(b)}} {
		in := inputs(b, tc.key)
		b.Run(tc.name+"/computed", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				published = newMemo(memoSize)
				if _, err := Documents(in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/remembered", func(b *testing.B) {
			published = newMemo(memoSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Documents(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
