package chart

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestCatalog runs hack/chartgen on a copy of the repository's chart and config with a catalog
// file added, and renders the result: the StackReleases appear behind releases.enabled, as
// post-install hooks while the cluster does not know the kind yet, and as ordinary objects of
// the release once it does.
func TestCatalog(t *testing.T) {
	helmBinary(t) // skip early without helm
	repo := t.TempDir()
	for _, dir := range []string{"charts", "config"} {
		copyTree(t, filepath.Join(repoRoot, dir), filepath.Join(repo, dir))
	}
	releases := filepath.Join(repo, "config", "releases")
	if err := os.MkdirAll(releases, 0o755); err != nil {
		t.Fatal(err)
	}
	chart := filepath.Join(repo, "charts", "rathaus")
	shipped := len(ofKind(split(t, render(t, chart)), "StackRelease"))

	copyFile(t, "testdata/catalog/2030.1.0.yaml", filepath.Join(releases, "2030.1.0.yaml"))
	gen := exec.Command("go", "run", "./hack/chartgen", "-root", repo)
	gen.Dir = repoRoot
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("hack/chartgen: %v\n%s", err, out)
	}

	fresh := ofKind(split(t, render(t, chart)), "StackRelease")
	if len(fresh) != shipped+2 {
		t.Fatalf("rendered %d StackReleases, want the %d shipped and the two added", len(fresh), shipped)
	}
	first := named(fresh, "2030.1.0")
	if first == nil {
		t.Fatal("the added catalog file 2030.1.0 was not rendered")
	}
	if first.GetName() != "2030.1.0" || first.GetLabels()["example.eu/source"] != "test" || first.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("first StackRelease: name %q, labels %v", first.GetName(), first.GetLabels())
	}
	comps, _, _ := unstructured.NestedSlice(first.Object, "spec", "components")
	if len(comps) != 1 || comps[0].(map[string]any)["version"] != "18.1" {
		t.Errorf("components = %v, want one with the string version 18.1", comps)
	}
	ann := first.GetAnnotations()
	if ann["helm.sh/hook"] != "post-install,post-upgrade" || ann["meta.helm.sh/release-name"] != releaseName ||
		ann["meta.helm.sh/release-namespace"] != namespace || ann["helm.sh/resource-policy"] != "keep" {
		t.Errorf("without the CRDs in the cluster, want a kept post-install hook Helm can adopt later; annotations %v", ann)
	}

	known := ofKind(split(t, render(t, chart, "--api-versions", "rathaus.io/v1alpha1")), "StackRelease")
	if len(known) != shipped+2 {
		t.Fatalf("with the kind known, rendered %d StackReleases, want %d", len(known), shipped+2)
	}
	if hook, ok := named(known, "2030.1.0").GetAnnotations()["helm.sh/hook"]; ok {
		t.Errorf("with the kind known, the catalog is still a hook (%s)", hook)
	}

	if n := len(ofKind(split(t, render(t, chart, "--set", "releases.enabled=false")), "StackRelease")); n != 0 {
		t.Errorf("releases.enabled=false renders %d StackReleases", n)
	}

	// Removing the catalog file removes its template on the next run.
	if err := os.Remove(filepath.Join(releases, "2030.1.0.yaml")); err != nil {
		t.Fatal(err)
	}
	gen = exec.Command("go", "run", "./hack/chartgen", "-root", repo)
	gen.Dir = repoRoot
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("hack/chartgen: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(chart, "templates", "releases", "2030.1.0.yaml")); !os.IsNotExist(err) {
		t.Errorf("template of a removed catalog file is still there (%v)", err)
	}
}

// named returns the object called name among docs, nil when there is none.
func named(docs []document, name string) *unstructured.Unstructured {
	for _, d := range docs {
		if d.obj.GetName() == name {
			return d.obj
		}
	}
	return nil
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		copyFile(t, path, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
