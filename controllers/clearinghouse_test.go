package controllers_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// fakeClearingHouse is a Gaia-X compliance service over TLS that answers as the Loire
// service's API does (internal/gaiax/clearinghouse): 201 with a compliance credential, or 400
// with the service's error body while refusing. It records what it was sent.
type fakeClearingHouse struct {
	server *httptest.Server
	mu     sync.Mutex
	refuse bool
	// received are the submitted presentations by the vcid asked for.
	received map[string][]string
}

func newFakeClearingHouse() *fakeClearingHouse {
	f := &fakeClearingHouse{received: map[string][]string{}}
	f.server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeClearingHouse) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/v2/api/credential-offers/standard-compliance" || r.Header.Get("Content-Type") != "application/vp+jwt" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	vcid := r.URL.Query().Get("vcid")
	f.mu.Lock()
	f.received[vcid] = append(f.received[vcid], string(body))
	refuse := f.refuse
	f.mu.Unlock()
	if refuse {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"Invalid credentials","error":"Bad Request","statusCode":400,"errors":["gx:ServiceOffering: the terms and conditions could not be verified"]}`))
		return
	}
	payload, _ := json.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "id": vcid,
		"type":   []any{"VerifiableCredential", "gx:LabelCredential"},
		"issuer": "did:web:clearinghouse.example.eu", "validFrom": "2026-12-01T10:00:00Z", "validUntil": "2027-03-01T10:00:00Z",
		"credentialSubject": map[string]any{"id": vcid + "#cs", "gx:labelLevel": "SC"},
	})
	w.Header().Set("Content-Type", "application/vc+jwt")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte("eyJhbGciOiJQUzI1NiIsInR5cCI6InZjK2p3dCJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2lnbmF0dXJl"))
}

// URL is the service's versioned base URL, as a platform names it.
func (f *fakeClearingHouse) URL() string { return f.server.URL + "/v2" }

func (f *fakeClearingHouse) setRefusing(refuse bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = refuse
}

func (f *fakeClearingHouse) submissions(vcid string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.received[vcid]...)
}
