// Package clearinghouse submits a presentation to the compliance service of a Gaia-X Digital
// Clearing House (the Loire line, API v2) and reads the compliance credential it issues.
//
// The service's source and OpenAPI document were not reachable; the request and the
// responses follow its clients (Posedio/gaia-x-go compliance/complianceLoire.go, the Eclipse
// XFSC federated catalogue) and observed answers, listed in
// docs/design/gaiax-loire-research.md §6: POST {base}/api/credential-offers/
// standard-compliance?vcid=<id>, body the compact vp+jwt with Content-Type
// application/vp+jwt; 201 with the compliance credential as a compact vc+jwt; otherwise an
// error, as JSON {"message","error","statusCode","errors"} where the service says why.
package clearinghouse

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxResponse bounds what is read of a response: a compliance credential is a few KB.
const maxResponse = 1 << 20

// Client talks to one clearing house's compliance service.
type Client struct {
	// BaseURL is the service's versioned root, e.g. https://compliance.lab.gaia-x.eu/v2.
	BaseURL string
	HTTP    *http.Client
}

// Rejection is the service's answer when it issues no credential.
type Rejection struct {
	Status  int
	Message string
	// Errors are the reasons the service lists, e.g. a shape violation or a missing header.
	Errors []string
}

func (r *Rejection) Error() string {
	msg := fmt.Sprintf("the compliance service answered %d", r.Status)
	if r.Message != "" {
		msg += ": " + r.Message
	}
	if len(r.Errors) > 0 {
		msg += " (" + strings.Join(r.Errors, "; ") + ")"
	}
	return msg
}

// Submit posts the presentation vp and returns the compliance credential the service issued
// under the id vcID. A refusal is a *Rejection; a transport failure another error.
func (c *Client) Submit(ctx context.Context, vp, vcID string) (string, error) {
	endpoint := strings.TrimSuffix(c.BaseURL, "/") + "/api/credential-offers/standard-compliance?vcid=" + url.QueryEscape(vcID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(vp))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/vp+jwt")
	req.Header.Set("Accept", "application/vc+jwt, application/json")
	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("submitting to the compliance service: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("reading the compliance service's answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return "", rejection(resp.StatusCode, body)
	}
	credential := string(bytes.TrimSpace(body))
	if strings.Count(credential, ".") != 2 {
		return "", errors.New("the compliance service answered 201 without a compact JWS")
	}
	return credential, nil
}

func rejection(status int, body []byte) *Rejection {
	r := &Rejection{Status: status}
	var answer struct {
		Message any      `json:"message"`
		Error   string   `json:"error"`
		Errors  []string `json:"errors"`
	}
	if json.Unmarshal(body, &answer) == nil {
		r.Message = strings.TrimSpace(fmt.Sprint(coalesce(answer.Message, answer.Error)))
		if answer.Error != "" && r.Message != answer.Error {
			r.Message += ": " + answer.Error
		}
		r.Errors = answer.Errors
		return r
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	r.Message = text
	return r
}

func coalesce(v any, fallback string) any {
	if v == nil || v == "" {
		return fallback
	}
	return v
}

// Label is what a compliance credential (gx:LabelCredential) says.
type Label struct {
	ID, Issuer, ValidFrom, ValidUntil string
	// Level is gx:labelLevel: SC (standard compliance), L1, L2 or L3.
	Level string
	// Compliant are the credentials the label covers, each by type and SRI digest.
	Compliant []Compliant
}

// Compliant is one gx:CompliantCredential.
type Compliant struct {
	Type, Digest string
}

// ParseLabel reads a compliance credential's payload. It does not verify the signature,
// which needs the clearing house's DID document; the caller keeps the credential as issued.
// Both the 24.11 names (type, gx:digestSRI) and the 25.11 ones (gx:credentialType,
// cred:digestSRI) are read.
func ParseLabel(compact string) (Label, error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return Label{}, errors.New("not a compact JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Label{}, fmt.Errorf("payload: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return Label{}, fmt.Errorf("payload: %w", err)
	}
	types, _ := doc["type"].([]any)
	if !slices.Contains(types, any("gx:LabelCredential")) {
		return Label{}, fmt.Errorf("not a gx:LabelCredential but %v", doc["type"])
	}
	subject, _ := doc["credentialSubject"].(map[string]any)
	l := Label{ID: text(doc["id"]), Issuer: text(doc["issuer"]), ValidFrom: text(doc["validFrom"]), ValidUntil: text(doc["validUntil"]), Level: text(subject["gx:labelLevel"])}
	for _, c := range list(subject["gx:compliantCredentials"]) {
		m, _ := c.(map[string]any)
		l.Compliant = append(l.Compliant, Compliant{
			Type:   first(m, "gx:credentialType", "type"),
			Digest: first(m, "cred:digestSRI", "gx:digestSRI", "digestSRI"),
		})
	}
	return l, nil
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func first(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := text(m[k]); s != "" {
			return s
		}
	}
	return ""
}
