package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/apimachinery/pkg/api/equality"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/config/releases"
)

// shipped decodes the embedded catalog as the operator does at start.
func shipped(t *testing.T) []rathausv1alpha1.StackRelease {
	t.Helper()
	catalog, err := decodeCatalog(releases.FS)
	if err != nil {
		t.Fatalf("config/releases: %v", err)
	}
	return catalog
}

// TestShippedCatalog: every file of config/releases is a release the operator embeds, and
// each decodes and checks (decodeCatalog).
func TestShippedCatalog(t *testing.T) {
	catalog := shipped(t)
	if len(catalog) < 3 {
		t.Fatalf("config/releases holds %d releases, want at least three (upgrade tests walk 2026.8.0 -> 2026.11.0)", len(catalog))
	}
	// A file that go:embed's *.yaml (and hack/chartgen's) does not take would ship in neither
	// the binary nor the chart.
	dir := filepath.Join("..", "..", "config", "releases")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	yamls := 0
	for _, e := range entries {
		switch {
		case e.Name() == "releases.go":
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml"):
			yamls++
		default:
			t.Errorf("config/releases/%s is neither a release (*.yaml) nor releases.go: the binary and the chart would not ship it", e.Name())
		}
	}
	if yamls != len(catalog) {
		t.Errorf("config/releases has %d release files, the binary embeds %d", yamls, len(catalog))
	}
}

func TestCatalogCoversStableAndRapid(t *testing.T) {
	catalog := shipped(t)
	for _, channel := range []string{DefaultChannel, "rapid"} {
		if _, err := Resolve(&rathausv1alpha1.ReleaseSelector{Channel: channel}, catalog); err != nil {
			t.Errorf("channel %s: %v", channel, err)
		}
	}
}

// TestBuiltInIsNewest: the built-in release is the newest shipped one, numerically, and a
// workspace of a fresh installation (no catalog, default channel) gets it.
func TestBuiltInIsNewest(t *testing.T) {
	catalog := shipped(t)
	b := BuiltIn()
	for _, r := range catalog {
		if r.Name != b.Name && Compare(r.Spec.Version, b.Spec.Version) >= 0 {
			t.Errorf("config/releases/%s.yaml is not older than the built-in release %s", r.Name, b.Name)
		}
	}
	newest := catalog[len(catalog)-1]
	if !equality.Semantic.DeepEqual(*b, newest) {
		t.Errorf("BuiltIn() = %+v, want the decoded %s.yaml %+v", b, newest.Name, newest)
	}
	got, err := Resolve(nil, nil)
	if err != nil || got.Name != b.Name {
		t.Errorf("Resolve(nil, nil) = %v, %v; want the built-in release %s", got, err, b.Name)
	}
}

// TestBuiltInIsACopy: callers may change what BuiltIn returns without changing the release.
func TestBuiltInIsACopy(t *testing.T) {
	a := BuiltIn()
	want := a.Spec.Components[0]
	a.Spec.Components[0].Version = "changed"
	a.Spec.Channels[0] = "changed"
	a.Name = "changed"
	b := BuiltIn()
	if b.Spec.Components[0] != want || b.Spec.Channels[0] == "changed" || b.Name == "changed" {
		t.Fatalf("a change to one BuiltIn() result reached the next: %+v", b)
	}
}

const validRelease = `# a comment
apiVersion: rathaus.io/v1alpha1
kind: StackRelease
metadata:
  name: 2026.10.0
spec:
  version: 2026.10.0
  channels: [rapid, stable]
  components:
    - name: nextcloud
      image: docker.io/library/nextcloud
      version: 34.0.2-apache
    - name: postgresql
      image: docker.io/library/postgres
      version: "17.11"
`

func TestDecodeCatalogOrdersNumerically(t *testing.T) {
	older := strings.ReplaceAll(validRelease, "2026.10.0", "2026.9.0")
	fsys := fstest.MapFS{
		"2026.10.0.yaml": {Data: []byte(validRelease)},
		"2026.9.0.yaml":  {Data: []byte(older)},
		"README.md":      {Data: []byte("not a release")},
	}
	catalog, err := decodeCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(catalog) != 2 || catalog[0].Name != "2026.9.0" || catalog[1].Name != "2026.10.0" {
		t.Fatalf("got %d releases %v, want 2026.9.0 then 2026.10.0", len(catalog), catalog)
	}
	decoded := mustDecode(fsys)
	if got := decoded[len(decoded)-1]; got.Name != "2026.10.0" || len(got.Spec.Components) != 2 || got.Spec.Components[1].Version != "17.11" {
		t.Fatalf("the newest release = %+v, want 2026.10.0 with its two components", got)
	}
}

// TestDecodeCatalogRefuses: each mistake a release file can make is an error naming the file,
// not a release with a field dropped.
func TestDecodeCatalogRefuses(t *testing.T) {
	tests := []struct {
		name    string
		file    string // defaults to 2026.10.0.yaml
		replace [2]string
		text    string // instead of validRelease with replace applied
		want    string
	}{
		{name: "unknown field", replace: [2]string{"  channels:", "  chanels:"}, want: `unknown field "chanels"`},
		{name: "unknown component field", replace: [2]string{"      version: 34.0.2-apache", "      version: 34.0.2-apache\n      tag: x"}, want: `unknown field "tag"`},
		{name: "repeated field", replace: [2]string{"  version: 2026.10.0\n", "  version: 2026.10.0\n  version: 2026.10.0\n"}, want: `key "version" already set`},
		{name: "not YAML", text: "spec: [", want: "error converting YAML"},
		{name: "two documents", replace: [2]string{"# a comment\n", "# a comment\n---\n"}, want: "one object per file"},
		{name: "wrong kind", replace: [2]string{"kind: StackRelease", "kind: ConfigMap"}, want: "apiVersion/kind rathaus.io/v1alpha1/ConfigMap"},
		{name: "namespaced", replace: [2]string{"  name: 2026.10.0\n", "  name: 2026.10.0\n  namespace: x\n"}, want: "cluster-scoped"},
		{name: "name is not the file's", file: "2026.11.0.yaml", want: `differs from the file's name "2026.11.0"`},
		{name: "version is not the name", replace: [2]string{"  version: 2026.10.0", "  version: 2026.10.1"}, want: `spec.version "2026.10.1" differs from metadata.name`},
		{name: "not a calendar version", file: "2026.13.0.yaml", text: strings.ReplaceAll(validRelease, "2026.10.0", "2026.13.0"), want: "not a calendar version"},
		{name: "no channel", replace: [2]string{"  channels: [rapid, stable]\n", ""}, want: "belongs to no channel"},
		{name: "channels unsorted", replace: [2]string{"[rapid, stable]", "[stable, rapid]"}, want: "sorted and unique"},
		{name: "channel repeated", replace: [2]string{"[rapid, stable]", "[stable, stable]"}, want: "sorted and unique"},
		{name: "channel name", replace: [2]string{"[rapid, stable]", "[Stable]"}, want: `channel "Stable" is not a lower-case name`},
		{name: "no components", text: validRelease[:strings.Index(validRelease, "  components:")], want: "no components"},
		{name: "component without image", replace: [2]string{"      image: docker.io/library/nextcloud\n", ""}, want: "needs a name, an image and a version"},
		{name: "component without version", replace: [2]string{"      version: \"17.11\"\n", ""}, want: "needs a name, an image and a version"},
		{name: "tag in image", replace: [2]string{"docker.io/library/nextcloud", "docker.io/library/nextcloud:34"}, want: "carries a tag or digest"},
		{name: "digest in image", replace: [2]string{"docker.io/library/nextcloud", "docker.io/library/nextcloud@sha256:00"}, want: "carries a tag or digest"},
		{name: "short image name", replace: [2]string{"docker.io/library/nextcloud", "nextcloud"}, want: "names no registry"},
		{name: "upper-case image", replace: [2]string{"docker.io/library/nextcloud", "docker.io/library/NextCloud"}, want: "not a lower-case repository reference"},
		{name: "version is no tag", replace: [2]string{"34.0.2-apache", "34.0.2 apache"}, want: `version "34.0.2 apache" of nextcloud is not an image tag`},
		{name: "version as a number", replace: [2]string{`"17.11"`, "17.10"}, want: "spec.components[1].version is the YAML float64 17.1, not a string: quote it"},
		{name: "version as a boolean", replace: [2]string{`"17.11"`, "yes"}, want: "spec.components[1].version is the YAML bool true"},
		{name: "bad digest", replace: [2]string{"      version: 34.0.2-apache", "      version: 34.0.2-apache\n      digest: sha256:abc"}, want: "is not sha256:<64 hex digits>"},
		{name: "component twice", replace: [2]string{"- name: postgresql", "- name: nextcloud"}, want: "component nextcloud listed twice"},
		{name: "components unsorted", replace: [2]string{"- name: postgresql", "- name: a-postgresql"}, want: "sorted by name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				text = validRelease
				if tt.replace[0] != "" {
					if !strings.Contains(text, tt.replace[0]) {
						t.Fatalf("validRelease has no %q", tt.replace[0])
					}
					text = strings.Replace(text, tt.replace[0], tt.replace[1], 1)
				}
			}
			file := tt.file
			if file == "" {
				file = "2026.10.0.yaml"
			}
			_, err := decodeCatalog(fstest.MapFS{file: {Data: []byte(text)}})
			if err == nil || !strings.Contains(err.Error(), file+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, file, tt.want)
			}
			defer func() {
				if recover() == nil {
					t.Error("mustDecode did not panic")
				}
			}()
			mustDecode(fstest.MapFS{file: {Data: []byte(text)}})
		})
	}
}

func TestDecodeCatalogEmpty(t *testing.T) {
	if _, err := decodeCatalog(fstest.MapFS{"README.md": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "no release") {
		t.Fatalf("err = %v, want one saying the catalog holds no release", err)
	}
}
