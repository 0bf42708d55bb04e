// Command demonotary prints a stand-in for the registration number credential a Gaia-X notary
// issues (a compact VC-JWT for a gx:VatID), signed by a key it makes up and throws away, for
// 'make demo', which has no notary to ask. A compliance service would not trust it.
//
//	go run ./hack/demonotary DE123456789 DE
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"
	"time"

	"github.com/rathaus-io/rathaus/internal/gaiax/loire"
	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
)

const notary = "did:web:notary.demo.invalid"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: demonotary <VAT ID> <ISO 3166-1 country>")
		os.Exit(2)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	doc := loire.StandInRegistration(notary, os.Args[1], os.Args[2], time.Now().UTC().Truncate(time.Second).Format(time.RFC3339))
	compact, err := vcjwt.Sign(key, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential, Kid: notary + "#key-1", Iss: notary}, doc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(compact)
}
