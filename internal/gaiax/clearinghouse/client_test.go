package clearinghouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-io/rathaus/internal/gaiax/vcjwt"
)

// The service's answers the tests replay. rejected-missing-iss.json is the body a probe of the
// lab service recorded for a presentation without the iss header (research note §4.3);
// label-credential.json is a gx:LabelCredential written after the 25.11 LabelCredentialShape,
// with one covered credential in the 25.11 names and one in the 24.11 names the service used
// before, signed here because no issued one could be obtained offline.

const vcID = "did:web:provider.example.eu#workspace/kiel/compliance"

func signedLabel(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/label-credential.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	compact, err := vcjwt.Sign(key, vcjwt.Header{Typ: vcjwt.TypeCredential, Cty: vcjwt.ContentCredential,
		Kid: "did:web:compliance.lab.gaia-x.eu:v2#X509-JWK2020", Iss: "did:web:compliance.lab.gaia-x.eu:v2"}, doc)
	if err != nil {
		t.Fatal(err)
	}
	return compact
}

// service answers like the compliance service, after checking the request as it would.
func service(t *testing.T, status int, contentType, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/v2/api/credential-offers/standard-compliance":
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		case r.URL.Query().Get("vcid") != vcID:
			t.Errorf("vcid %q", r.URL.Query().Get("vcid"))
		case r.Header.Get("Content-Type") != "application/vp+jwt" || string(got) != "h.p.s":
			t.Errorf("body %q as %s", got, r.Header.Get("Content-Type"))
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

func TestSubmitKeepsTheIssuedCredential(t *testing.T) {
	label := signedLabel(t)
	srv := service(t, http.StatusCreated, "application/vc+jwt", label+"\n")
	defer srv.Close()
	got, err := (&Client{BaseURL: srv.URL + "/v2/"}).Submit(context.Background(), "h.p.s", vcID)
	if err != nil || got != label {
		t.Fatalf("got %q, %v", got, err)
	}
	l, err := ParseLabel(got)
	if err != nil {
		t.Fatal(err)
	}
	want := []Compliant{{"gx:LegalPerson", "sha256-3f2a"}, {"gx:ServiceOffering", "sha256-9b1c"}}
	if l.Level != "SC" || l.ValidUntil != "2027-03-06T10:00:00.000+00:00" || l.ID != vcID || len(l.Compliant) != 2 || l.Compliant[0] != want[0] || l.Compliant[1] != want[1] {
		t.Errorf("label %+v", l)
	}
}

func TestSubmitReportsWhyItWasRefused(t *testing.T) {
	recorded, err := os.ReadFile("testdata/rejected-missing-iss.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        []string
	}{
		{"a presentation the service refuses", 400, "application/json", string(recorded),
			[]string{"400", "Invalid request: Invalid verifiable presentation", "The iss header referencing the issuer's DID is missing"}},
		{"the service unavailable", 503, "text/plain", "Service Unavailable", []string{"503", "Service Unavailable"}},
		{"a 201 without a credential", 201, "application/json", `{"ok":true}`, []string{"without a compact JWS"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := service(t, tc.status, tc.contentType, tc.body)
			defer srv.Close()
			_, err := (&Client{BaseURL: srv.URL + "/v2"}).Submit(context.Background(), "h.p.s", vcID)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			var r *Rejection
			if tc.status != 201 && (!errors.As(err, &r) || r.Status != tc.status) {
				t.Errorf("not a Rejection with the status: %v", err)
			}
		})
	}
}

func TestSubmitGivesUpWithTheContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // the server notices a closed connection only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := (&Client{BaseURL: srv.URL}).Submit(ctx, "h.p.s", vcID); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline, got %v", err)
	}
}

func TestParseLabelRefusesOtherCredentials(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := vcjwt.Sign(key, vcjwt.Header{Typ: vcjwt.TypeCredential}, map[string]any{"type": []any{"VerifiableCredential", "gx:LegalPerson"}})
	for _, in := range []string{other, "not-a-jws", "a.!!!.c"} {
		if _, err := ParseLabel(in); err == nil {
			t.Errorf("%q parsed as a label", in)
		}
	}
}
