// Package chart tests charts/rathaus with the real Helm CLI (built from the Go module proxy by
// hack/build-helm.sh; 'make test' passes it in HELM): lint, golden renderings, the generated
// CRDs and RBAC against config/, the values schema, and the catalog generator end to end.
package chart

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	repoRoot    = "../.."
	releaseName = "rathaus"
	namespace   = "rathaus-system"
	// kubeVersion pins the cluster version helm renders for, so goldens do not move with the
	// client-go version Helm was built against.
	kubeVersion = "1.37.0"
)

var chartDir = filepath.Join(repoRoot, "charts", "rathaus")

// helmBinary finds the Helm CLI: $HELM, or else a build of hack/build-helm.sh. Without either
// the chart tests skip; 'make test' always sets HELM, so they never skip there.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h, set := os.LookupEnv("HELM"); set {
		if h == "" { // make test sets it from hack/build-helm.sh, which printed nothing
			t.Fatal("HELM is set but empty: building helm failed (hack/build-helm.sh)")
		}
		return h
	}
	matches, _ := filepath.Glob(filepath.Join(repoRoot, "bin", "tools", "helm-*", "helm"))
	if len(matches) == 0 {
		t.Skip("no helm binary: run 'hack/build-helm.sh' (make test does) or set HELM")
	}
	return matches[len(matches)-1]
}

// helm runs the Helm CLI with its caches and configuration in a temporary directory, so tests
// never read or write the user's.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := helmBinary(t)
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// render runs helm template on the chart with extra arguments (values files, --set).
func render(t *testing.T, chart string, args ...string) string {
	t.Helper()
	out, err := helm(t, append([]string{"template", releaseName, chart, "--namespace", namespace, "--kube-version", kubeVersion}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, out)
	}
	return out
}

// document is one rendered manifest: its text and its parsed object.
type document struct {
	text string
	obj  *unstructured.Unstructured
}

// split cuts helm's output into documents, skipping empty ones.
func split(t *testing.T, out string) []document {
	t.Helper()
	var docs []document
	for _, text := range strings.Split(out, "\n---\n") {
		// Every document ends with one newline, as in a file of its own.
		text = strings.TrimSuffix(strings.TrimPrefix(text, "---\n"), "\n") + "\n"
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(text), &obj); err != nil {
			t.Fatalf("rendered document does not parse: %v\n%s", err, text)
		}
		if len(obj) == 0 {
			continue
		}
		docs = append(docs, document{text: text, obj: &unstructured.Unstructured{Object: obj}})
	}
	return docs
}

func find(docs []document, kind, name string) *document {
	for i := range docs {
		if docs[i].obj.GetKind() == kind && (name == "" || docs[i].obj.GetName() == name) {
			return &docs[i]
		}
	}
	return nil
}

func ofKind(docs []document, kind string) []document {
	var out []document
	for _, d := range docs {
		if d.obj.GetKind() == kind {
			out = append(out, d)
		}
	}
	return out
}

// readObjects parses every document of a YAML file.
func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("%s: %v", path, err)
		}
		if len(obj) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: obj})
		}
	}
}
