// Command releaseimages lists every image of a stack release, one per line, for mirroring
// into a provider's registry (skopeo sync, crane copy, ...) before an air-gapped installation.
//
//	go run ./hack/releaseimages                          # the release built into the operator
//	go run ./hack/releaseimages config/releases/*.yaml   # StackRelease manifests
//	go run ./hack/releaseimages -mirror registry.example.eu/mirror  # where pods will pull them
//
// Without -mirror it prints the upstream references to copy from; with it, the references the
// rendered pods use, so both sides of a copy can be listed.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"k8s.io/apimachinery/pkg/util/yaml"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/release"
)

func main() {
	mirror := flag.String("mirror", "", "registry mirror to rewrite the references through")
	flag.Parse()
	releases := []*rathausv1alpha1.StackRelease{release.BuiltIn()}
	if flag.NArg() > 0 {
		releases = nil
		for _, path := range flag.Args() {
			rs, err := readReleases(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			releases = append(releases, rs...)
		}
	}
	var refs []string
	for _, r := range releases {
		// Only what the registered components run (desired.ReleaseImages).
		images, err := desired.ReleaseImages(r, desired.Components, *mirror)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		refs = append(refs, images...)
	}
	slices.Sort(refs)
	for _, ref := range slices.Compact(refs) {
		fmt.Println(ref)
	}
}

// readReleases reads the StackReleases of a multi-document YAML file, skipping other kinds.
func readReleases(path string) ([]*rathausv1alpha1.StackRelease, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*rathausv1alpha1.StackRelease
	for {
		r := &rathausv1alpha1.StackRelease{}
		if err := dec.Decode(r); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if r.Kind == "StackRelease" {
			out = append(out, r)
		}
	}
}
