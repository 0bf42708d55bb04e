package gaiax

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/piprate/json-gold/ld"
)

// Context URLs the credentials use. Their documents are embedded (see contexts/README.md).
const (
	CredentialsV1Context = "https://www.w3.org/2018/credentials/v1"
	JWS2020Context       = "https://w3id.org/security/suites/jws-2020/v1"
)

//go:embed contexts/*.jsonld
var contextFiles embed.FS

var embeddedContexts = map[string]string{
	CredentialsV1Context: "contexts/credentials-v1.jsonld",
	JWS2020Context:       "contexts/jws-2020-v1.jsonld",
}

// OfflineLoader is a JSON-LD document loader that serves only the embedded contexts. Any
// other URL is refused: the operator never fetches a document from the network, so what it
// signs cannot depend on a remote server, and it works air-gapped.
type OfflineLoader struct{}

// LoadDocument returns the embedded document of u, or an error for any URL not embedded.
func (OfflineLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	file, ok := embeddedContexts[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed,
			fmt.Sprintf("JSON-LD context %q is not embedded in rathaus, and contexts are never fetched from the network", u))
	}
	raw, err := contextFiles.ReadFile(file)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	// Parsed on every load: the processor may keep references into the document.
	doc, err := ld.DocumentFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// options returns JSON-LD processing options with the offline loader. SafeMode makes the
// processor fail on anything it would otherwise drop silently (an undefined term, a relative
// IRI), so a signature can never leave a property of the credential unsigned.
func options() *ld.JsonLdOptions {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = OfflineLoader{}
	opts.SafeMode = true
	return opts
}

// Expand expands a JSON-LD document (parsed JSON) with the offline loader.
func Expand(doc any) ([]any, error) {
	return ld.NewJsonLdProcessor().Expand(doc, options())
}

// Canonicalize returns the URDNA2015 canonical N-Quads of a JSON-LD document (parsed JSON).
func Canonicalize(doc any) (string, error) {
	opts := options()
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	out, err := ld.NewJsonLdProcessor().Normalize(doc, opts)
	if err != nil {
		return "", err
	}
	s, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("canonicalisation returned %T, not N-Quads", out)
	}
	return s, nil
}
