package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckGaiaXFailsLoudly(t *testing.T) {
	cases := map[string]struct{ input, want, out string }{
		"not JSON":           {"rathaus-gaiax", "is not JSON", ""},
		"nothing to check":   {`{"kind":"List","items":[{"metadata":{"name":"other"},"data":{"presentation.jwt":"x"}}]}`, "no rathaus-gaiax ConfigMap", ""},
		"Tagus credentials":  {`{"kind":"ConfigMap","metadata":{"name":"rathaus-gaiax"},"data":{"service-offering.json":"{}"}}`, "no rathaus-gaiax ConfigMap", ""},
		"a broken DID key":   {`{"kind":"ConfigMap","metadata":{"namespace":"kiel","name":"rathaus-gaiax"},"data":{"presentation.jwt":"a.b.c","did-key.json":"{"}}`, "1 of 1 do not verify", "kiel/rathaus-gaiax: FAILED: did-key.json is not JSON"},
		"a forged signature": {`{"kind":"List","items":[{"metadata":{"namespace":"kiel","name":"rathaus-gaiax"},"data":{"presentation.jwt":"a.b.c","legal-person.jwt":"eyJhbGciOiJFUzI1NiJ9.e30.AAAA","did-key.json":"{\"publicKeyJwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}}"}}]}`, "1 of 1 do not verify", "legal-person.jwt"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := checkGaiaX(strings.NewReader(c.input), &out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("checkGaiaX = %v, want an error saying %q", err, c.want)
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("report %q does not say %q", out.String(), c.out)
			}
		})
	}
}
