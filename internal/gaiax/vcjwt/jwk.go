package vcjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// PublicJWK is the JSON Web Key (RFC 7517) of a public key the package signs for: kty and
// n/e for RSA (RFC 7518 §6.3.1), kty, crv and the fixed-size coordinates x/y for P-256
// (§6.2.1). Callers add alg, kid and x5u.
func PublicJWK(public crypto.PublicKey) (map[string]any, error) {
	switch k := public.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": encode(k.N.Bytes()), "e": encode(big.NewInt(int64(k.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on %s: only P-256 is offered", k.Curve.Params().Name)
		}
		point, err := k.Bytes() // 0x04 || x || y, each 32 bytes
		if err != nil {
			return nil, err
		}
		return map[string]any{"kty": "EC", "crv": "P-256", "x": encode(point[1:33]), "y": encode(point[33:])}, nil
	}
	return nil, fmt.Errorf("a %T public key has no JWK here", public)
}
