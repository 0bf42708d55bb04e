package release

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// The patterns of the StackRelease CRD's CEL rules (api/v1alpha1/stackrelease_types.go).
var (
	calendarVersion = regexp.MustCompile(`^[0-9]{4}\.([1-9]|1[0-2])\.(0|[1-9][0-9]*)$`)
	channelName     = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// loadCatalog reads every StackRelease of the shipped catalog, strictly: an unknown or
// misspelt field fails the test instead of being dropped.
func loadCatalog(t *testing.T) []rathausv1alpha1.StackRelease {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "releases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("config/releases holds %d releases, want at least three", len(files))
	}
	var out []rathausv1alpha1.StackRelease
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("\n---")) {
			t.Errorf("%s: one object per file, so the chart can copy the files as they are", f)
		}
		var r rathausv1alpha1.StackRelease
		if err := yaml.UnmarshalStrict(data, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r.APIVersion != rathausv1alpha1.GroupVersion.String() || r.Kind != "StackRelease" {
			t.Errorf("%s: apiVersion/kind %s/%s, want %s/StackRelease", f, r.APIVersion, r.Kind, rathausv1alpha1.GroupVersion)
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".yaml"); r.Name != want {
			t.Errorf("%s: name %q, want the file's name %q", f, r.Name, want)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b rathausv1alpha1.StackRelease) int { return Compare(a.Spec.Version, b.Spec.Version) })
	return out
}

func TestCatalogIsValid(t *testing.T) {
	for _, r := range loadCatalog(t) {
		if r.Name != r.Spec.Version {
			t.Errorf("%s: spec.version %s differs from the name", r.Name, r.Spec.Version)
		}
		if !calendarVersion.MatchString(r.Spec.Version) {
			t.Errorf("%s: %q is not a calendar version", r.Name, r.Spec.Version)
		}
		if len(r.Spec.Channels) == 0 {
			t.Errorf("%s: belongs to no channel, so no workspace following one would get it", r.Name)
		}
		for _, c := range r.Spec.Channels {
			if !channelName.MatchString(c) {
				t.Errorf("%s: channel %q is not a lower-case name", r.Name, c)
			}
		}
		if !slices.IsSorted(r.Spec.Channels) || len(slices.Compact(slices.Clone(r.Spec.Channels))) != len(r.Spec.Channels) {
			t.Errorf("%s: channels %v must be sorted and unique", r.Name, r.Spec.Channels)
		}
		seen := map[string]bool{}
		for _, c := range r.Spec.Components {
			if c.Name == "" || c.Image == "" || c.Version == "" {
				t.Errorf("%s: component %+v needs a name, an image and a version", r.Name, c)
			}
			if strings.Contains(c.Image, ":") || strings.Contains(c.Image, "@") {
				t.Errorf("%s: image %s of %s carries a tag or digest; versions go in version", r.Name, c.Image, c.Name)
			}
			if seen[c.Name] {
				t.Errorf("%s: component %s listed twice", r.Name, c.Name)
			}
			seen[c.Name] = true
		}
	}
}

func TestCatalogCoversStableAndRapid(t *testing.T) {
	catalog := loadCatalog(t)
	for _, channel := range []string{DefaultChannel, "rapid"} {
		if _, err := Resolve(&rathausv1alpha1.ReleaseSelector{Channel: channel}, catalog); err != nil {
			t.Errorf("channel %s: %v", channel, err)
		}
	}
}

func TestBuiltInIsNewestOfCatalog(t *testing.T) {
	catalog := loadCatalog(t)
	newest := catalog[len(catalog)-1]
	b := BuiltIn()
	if b.Name != newest.Name {
		t.Fatalf("BuiltIn is %s, the newest release of config/releases is %s", b.Name, newest.Name)
	}
	if !equality.Semantic.DeepEqual(b.Spec, newest.Spec) {
		got, _ := yaml.Marshal(b.Spec)
		want, _ := yaml.Marshal(newest.Spec)
		t.Fatalf("BuiltIn differs from config/releases/%s.yaml:\n--- BuiltIn\n%s\n--- file\n%s", newest.Name, got, want)
	}
}
