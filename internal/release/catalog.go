package release

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/config/releases"
)

// builtIn is the newest release of the embedded catalog. A catalog that does not decode or
// check stops the program here, at start, and fails every test of a package that imports
// this one: a broken release must never ship, nor fall back to something else.
var (
	embedded = mustDecode(releases.FS)
	builtIn  = &embedded[len(embedded)-1]
)

func mustDecode(fsys fs.FS) []rathausv1alpha1.StackRelease {
	catalog, err := decodeCatalog(fsys)
	if err != nil {
		panic(fmt.Sprintf("release: the embedded catalog (config/releases): %v", err))
	}
	return catalog
}

// Catalog returns copies of the releases of the embedded catalog (config/releases), oldest
// first.
func Catalog() []rathausv1alpha1.StackRelease {
	out := make([]rathausv1alpha1.StackRelease, len(embedded))
	for i := range embedded {
		embedded[i].DeepCopyInto(&out[i])
	}
	return out
}

// The patterns of the StackRelease CRD's CEL rules (api/v1alpha1/stackrelease_types.go), and
// the OCI distribution spec's grammar of a tag.
var (
	calendarVersion = regexp.MustCompile(`^[0-9]{4}\.([1-9]|1[0-2])\.(0|[1-9][0-9]*)$`)
	channelName     = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	imageTag        = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
	imageDigest     = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// decodeCatalog reads every StackRelease file (*.yaml) at the root of fsys, strictly (an
// unknown, misspelt or repeated field is an error instead of being dropped), checks each, and
// returns them oldest first. A catalog without a release is an error.
func decodeCatalog(fsys fs.FS) ([]rathausv1alpha1.StackRelease, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no release (*.yaml)")
	}
	out := make([]rathausv1alpha1.StackRelease, 0, len(files))
	var errs []error
	for _, f := range files {
		r, err := decodeRelease(fsys, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		out = append(out, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b rathausv1alpha1.StackRelease) int { return Compare(a.Spec.Version, b.Spec.Version) })
	return out, nil
}

func decodeRelease(fsys fs.FS, file string) (rathausv1alpha1.StackRelease, error) {
	var r rathausv1alpha1.StackRelease
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return r, err
	}
	// The chart copies the files as they are (hack/chartgen), one object each.
	if bytes.HasPrefix(data, []byte("---")) || bytes.Contains(data, []byte("\n---")) {
		return r, errors.New("one object per file, without a document separator")
	}
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		return r, err
	}
	if err := unquotedStrings(data); err != nil {
		return r, err
	}
	if want := strings.TrimSuffix(path.Base(file), ".yaml"); r.Name != want {
		return r, fmt.Errorf("metadata.name %q differs from the file's name %q", r.Name, want)
	}
	return r, check(&r)
}

// unquotedStrings refuses a string field written as a YAML number or boolean. Decoding into the
// typed release accepts one, but not as written: version: 17.10 reads as "17.1", 20.0 as "20".
func unquotedStrings(data []byte) error {
	var raw struct {
		Metadata struct {
			Name any `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Version    any              `json:"version"`
			Channels   []any            `json:"channels"`
			Components []map[string]any `json:"components"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	var errs []error
	notString := func(field string, v any) {
		if _, ok := v.(string); !ok && v != nil {
			errs = append(errs, fmt.Errorf("%s is the YAML %T %v, not a string: quote it", field, v, v))
		}
	}
	notString("metadata.name", raw.Metadata.Name)
	notString("spec.version", raw.Spec.Version)
	for i, c := range raw.Spec.Channels {
		notString(fmt.Sprintf("spec.channels[%d]", i), c)
	}
	for i, c := range raw.Spec.Components {
		for _, k := range slices.Sorted(maps.Keys(c)) {
			notString(fmt.Sprintf("spec.components[%d].%s", i, k), c[k])
		}
	}
	return errors.Join(errs...)
}

// check holds one release to what the CRD and the renderers expect of it.
func check(r *rathausv1alpha1.StackRelease) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if r.APIVersion != rathausv1alpha1.GroupVersion.String() || r.Kind != "StackRelease" {
		fail("apiVersion/kind %s/%s, want %s/StackRelease", r.APIVersion, r.Kind, rathausv1alpha1.GroupVersion)
	}
	if r.Namespace != "" {
		fail("namespace %q: a StackRelease is cluster-scoped", r.Namespace)
	}
	if r.Spec.Version != r.Name {
		fail("spec.version %q differs from metadata.name %q", r.Spec.Version, r.Name)
	}
	if !calendarVersion.MatchString(r.Spec.Version) {
		fail("spec.version %q is not a calendar version (YYYY.M.PATCH)", r.Spec.Version)
	}

	if len(r.Spec.Channels) == 0 {
		fail("belongs to no channel, so no workspace following one would get it")
	}
	for _, c := range r.Spec.Channels {
		if !channelName.MatchString(c) {
			fail("channel %q is not a lower-case name", c)
		}
	}
	if !slices.IsSorted(r.Spec.Channels) || len(slices.Compact(slices.Clone(r.Spec.Channels))) != len(r.Spec.Channels) {
		fail("channels %v must be sorted and unique", r.Spec.Channels)
	}

	if len(r.Spec.Components) == 0 {
		fail("no components")
	}
	seen := map[string]bool{}
	for i, c := range r.Spec.Components {
		switch {
		case c.Name == "" || c.Image == "" || c.Version == "":
			fail("component %d (%q) needs a name, an image and a version", i, c.Name)
			continue
		case strings.ContainsAny(c.Image, ":@"):
			fail("image %s of %s carries a tag or digest; the tag goes in version", c.Image, c.Name)
		case c.Image != strings.ToLower(c.Image) || strings.ContainsAny(c.Image, " \t"):
			fail("image %s of %s is not a lower-case repository reference", c.Image, c.Name)
		case !strings.Contains(registryOf(c.Image), "."):
			fail("image %s of %s names no registry; write it in full (docker.io/library/...)", c.Image, c.Name)
		}
		if !imageTag.MatchString(c.Version) {
			fail("version %q of %s is not an image tag", c.Version, c.Name)
		}
		if c.Digest != "" && !imageDigest.MatchString(c.Digest) {
			fail("digest %q of %s is not sha256:<64 hex digits>", c.Digest, c.Name)
		}
		if seen[c.Name] {
			fail("component %s listed twice", c.Name)
		}
		seen[c.Name] = true
	}
	if !slices.IsSortedFunc(r.Spec.Components, func(a, b rathausv1alpha1.Component) int { return strings.Compare(a.Name, b.Name) }) {
		fail("components must be sorted by name")
	}
	return errors.Join(errs...)
}

// registryOf returns the first path element of an image reference, "" when it has only one.
func registryOf(image string) string {
	first, _, ok := strings.Cut(image, "/")
	if !ok {
		return ""
	}
	return first
}
