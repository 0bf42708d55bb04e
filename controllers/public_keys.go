package controllers

import (
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/rathaus-io/rathaus/internal/secrets"
)

// publicKeys remembers the public half of each generated private key, so that a reconcile
// does not parse and check an RSA key (a large part of a settled workspace's reconcile) to
// learn what it learnt last time. An entry is keyed by namespace, Secret and key, and holds a
// digest of the private key it was derived from: a key that changes is derived again.
type publicKeys struct {
	mu    sync.Mutex
	byRef map[string]publicKey
}

type publicKey struct {
	private [sha256.Size]byte
	der     []byte
}

// derive returns the DER public key of private (secrets.PublicKeyDER), the Secret's key ref in
// namespace.
func (p *publicKeys) derive(namespace, ref string, private []byte) ([]byte, error) {
	key, sum := namespace+"/"+ref, sha256.Sum256(private)
	p.mu.Lock()
	e, ok := p.byRef[key]
	p.mu.Unlock()
	if ok && e.private == sum {
		return e.der, nil
	}
	der, err := secrets.PublicKeyDER(private)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byRef == nil {
		p.byRef = map[string]publicKey{}
	}
	p.byRef[key] = publicKey{sum, der}
	return der, nil
}

// forget drops the keys of a namespace whose workspace is gone.
func (p *publicKeys) forget(namespace string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key := range p.byRef {
		if strings.HasPrefix(key, namespace+"/") {
			delete(p.byRef, key)
		}
	}
}
