// Package golden compares test output with files under testdata/, and rewrites them when the
// tests run with -update.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/rathaus-io/rathaus/internal/apply"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Assert compares got with testdata/<name>; with -update it writes got there instead.
func Assert(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run the test with -update to create it): %v", err)
	}
	if string(want) != string(got) {
		t.Fatalf("output differs from %s (run with -update to accept, then review the diff):\n%s", path, firstDifference(string(want), string(got)))
	}
}

// firstDifference shows the first differing line with a little context, rather than two
// complete documents of a thousand lines.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			from := max(0, i-3)
			return fmt.Sprintf("line %d:\n%s\n- %s\n+ %s", i+1, strings.Join(g[from:i], "\n"), wl, gl)
		}
	}
	return "(no line differs; line endings?)"
}

// YAML renders objects as a multi-document YAML stream, in order, as golden files hold them.
func YAML(t *testing.T, objs []*unstructured.Unstructured) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes()
}

// Applied renders objs as YAML the way the operator applies them (apply.Prepare: typed,
// hashed), so a renderer's golden file shows what reaches the API server.
func Applied(t *testing.T, objs []client.Object) []byte {
	t.Helper()
	prepared := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		u, err := apply.Prepare(o)
		if err != nil {
			t.Fatal(err)
		}
		prepared = append(prepared, u)
	}
	return YAML(t, prepared)
}
