// Package images turns a release component into the image reference a pod pulls: through the
// platform's registry mirror when one is set, and by digest when the release pins one.
package images

import (
	"fmt"
	"strings"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// Reference returns the pull reference of component c, pulled through mirror (a registry host
// with an optional path prefix; empty for none).
//
// Through a mirror, the source registry host becomes the first path element below the prefix,
// the layout `skopeo sync` and `crane copy` produce (registry.example.eu/mirror/docker.io/
// library/nextcloud), so images of different registries never collide.
func Reference(c rathausv1alpha1.Component, mirror string) string {
	repo := normalize(c.Image)
	if mirror != "" {
		repo = strings.TrimSuffix(mirror, "/") + "/" + repo
	}
	if c.Digest != "" {
		return repo + "@" + c.Digest
	}
	return repo + ":" + c.Version
}

// normalize makes a Docker-style short name explicit: "nextcloud" is docker.io/library/nextcloud
// and "jitsi/web" is docker.io/jitsi/web, as the container runtimes resolve them.
func normalize(image string) string {
	first, _, hasSlash := strings.Cut(image, "/")
	isRegistry := hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost")
	switch {
	case isRegistry:
		return image
	case !hasSlash:
		return "docker.io/library/" + image
	default:
		return "docker.io/" + image
	}
}

// Find returns the component of release r with the given name.
func Find(r *rathausv1alpha1.StackRelease, name string) (rathausv1alpha1.Component, error) {
	for _, c := range r.Spec.Components {
		if c.Name == name {
			return c, nil
		}
	}
	return rathausv1alpha1.Component{}, fmt.Errorf("release %s has no component %s", r.Spec.Version, name)
}
