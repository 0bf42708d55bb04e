// Package release picks the StackRelease a workspace runs, from its release selector and the
// catalog of StackRelease objects on the cluster.
package release

import (
	"fmt"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// DefaultChannel is the channel a workspace follows when it selects none.
const DefaultChannel = "stable"

// BuiltIn is the release the operator ships with. It is used when the cluster's catalog has no
// release for a workspace's selection, so a fresh installation works before a catalog exists.
// It equals the newest release of the shipped catalog, config/releases (a test checks it).
//
// Versions are upstream's current stable tags: docker-jitsi-meet's newest stable release
// (stable-11146-2, also jitsi-helm's appVersion), nextcloud/docker latest.txt (34.0.2),
// docker-library official-images library/postgres (17.11; 18 moved the data directory and
// needs a different mount), valkey-io/valkey-container versions.json (9.0.4).
func BuiltIn() *rathausv1alpha1.StackRelease {
	return &rathausv1alpha1.StackRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: rathausv1alpha1.GroupVersion.String(), Kind: "StackRelease"},
		ObjectMeta: metav1.ObjectMeta{Name: "2026.11.0"},
		Spec: rathausv1alpha1.StackReleaseSpec{
			Version:  "2026.11.0",
			Channels: []string{"rapid", DefaultChannel},
			Components: []rathausv1alpha1.Component{
				// keycloak-config-cli publishes one build per Keycloak version, tagged
				// <cli>-<keycloak>; 6.5.0 is built for Keycloak 26.5.4 (its ci.yaml matrix).
				// docker-jitsi-meet images are rootless (uid 1000, read-only root) from
				// stable-11146 on and published on ghcr.io only (its README, "Tags").
				{Name: "jitsi-jicofo", Image: "ghcr.io/jitsi/jicofo", Version: "stable-11146-2"},
				{Name: "jitsi-jvb", Image: "ghcr.io/jitsi/jvb", Version: "stable-11146-2"},
				{Name: "jitsi-oidc-adapter", Image: "ghcr.io/jitsi-contrib/jitsi-oidc-adapter", Version: "v20260328"},
				{Name: "jitsi-prosody", Image: "ghcr.io/jitsi/prosody", Version: "stable-11146-2"},
				{Name: "jitsi-web", Image: "ghcr.io/jitsi/web", Version: "stable-11146-2"},
				{Name: "keycloak", Image: "quay.io/keycloak/keycloak", Version: "26.5.4"},
				{Name: "keycloak-config-cli", Image: "docker.io/adorsys/keycloak-config-cli", Version: "6.5.0-26.5.4"},
				{Name: "nextcloud", Image: "docker.io/library/nextcloud", Version: "34.0.2-apache"},
				// Media: oauth2-proxy v7.12.0 (oauth2-proxy/manifests #340); Opencast 20.0, one
				// image per node role (opencast/opencast-docker tag 20.0, compose files); the
				// OpenSearch 2.x that Opencast 20 requires (opencast docs configuration/
				// searchindex), newest 2.19 patch. Opencast needs the analysis-icu plugin, which
				// this image lacks: providers mirror a build with it under this name
				// (docs/services/media.md).
				{Name: "oauth2-proxy", Image: "quay.io/oauth2-proxy/oauth2-proxy", Version: "v7.12.0"},
				{Name: "opencast-admin", Image: "quay.io/opencast/admin", Version: "20.0"},
				{Name: "opencast-allinone", Image: "quay.io/opencast/allinone", Version: "20.0"},
				{Name: "opencast-presentation", Image: "quay.io/opencast/presentation", Version: "20.0"},
				{Name: "opencast-worker", Image: "quay.io/opencast/worker", Version: "20.0"},
				{Name: "opensearch", Image: "docker.io/opensearchproject/opensearch", Version: "2.19.4"},
				{Name: "postgresql", Image: "docker.io/library/postgres", Version: "17.11"},
				// CloudNativePG mode's operand image at the same PostgreSQL version
				// (cloudnative-pg/postgres-containers docker-bake.hcl: MM.mm-TYPE-OS tags,
				// "standard" with pgaudit and all locales, Debian trixie).
				{Name: "postgresql-cloudnativepg", Image: "ghcr.io/cloudnative-pg/postgresql", Version: "17.11-standard-trixie"},
				// Stalwart's newest tag v0.16.18 (stalwartlabs/stalwart tags; Docker Hub
				// publishes the full v<major>.<minor>.<patch> tags, install/platform/docker.md)
				// and stalwart-cli 1.0.12 (stalwartlabs/cli CHANGELOG.md; image tags without v):
				// upsert with matchOn exists from 1.0.9, matchOn resolves #references from
				// 1.0.11; 1.0.8 refuses the plan's first line ("unknown variant upsert").
				{Name: "stalwart", Image: "docker.io/stalwartlabs/stalwart", Version: "v0.16.18"},
				{Name: "stalwart-cli", Image: "docker.io/stalwartlabs/cli", Version: "1.0.12"},
				{Name: "valkey", Image: "docker.io/valkey/valkey", Version: "9.0.4"},
			},
		},
	}
}

// NotFoundError says that no release matches a workspace's selection; retrying does not help
// until someone publishes one or changes the selection.
type NotFoundError struct{ msg string }

func (e *NotFoundError) Error() string { return e.msg }

// Resolve returns the release selected by sel: the pinned version, or the newest release of
// the channel (DefaultChannel when sel is nil). catalog holds the cluster's StackReleases;
// BuiltIn is considered last.
func Resolve(sel *rathausv1alpha1.ReleaseSelector, catalog []rathausv1alpha1.StackRelease) (*rathausv1alpha1.StackRelease, error) {
	candidates := make([]*rathausv1alpha1.StackRelease, 0, len(catalog)+1)
	for i := range catalog {
		candidates = append(candidates, &catalog[i])
	}
	builtIn := BuiltIn()

	if sel == nil {
		sel = &rathausv1alpha1.ReleaseSelector{Channel: DefaultChannel}
	}
	if sel.Version != "" {
		for _, r := range append(candidates, builtIn) {
			if r.Spec.Version == sel.Version {
				return r, nil
			}
		}
		return nil, &NotFoundError{msg: fmt.Sprintf("release %s is not in the release catalog", sel.Version)}
	}

	channel := sel.Channel
	if channel == "" {
		channel = DefaultChannel
	}
	var newest *rathausv1alpha1.StackRelease
	for _, r := range candidates {
		if inChannel(r, channel) && (newest == nil || Compare(r.Spec.Version, newest.Spec.Version) > 0) {
			newest = r
		}
	}
	if newest == nil && inChannel(builtIn, channel) {
		newest = builtIn
	}
	if newest == nil {
		return nil, &NotFoundError{msg: fmt.Sprintf("no release in channel %s", channel)}
	}
	return newest, nil
}

func inChannel(r *rathausv1alpha1.StackRelease, channel string) bool {
	for _, c := range r.Spec.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// Compare orders calendar versions (YYYY.M.PATCH) numerically: -1, 0 or +1. Versions that do
// not parse sort before those that do, and among themselves by string, so that a malformed
// release can never win a channel.
func Compare(a, b string) int {
	pa, okA := parse(a)
	pb, okB := parse(b)
	switch {
	case !okA && !okB:
		return strings.Compare(a, b)
	case !okA:
		return -1
	case !okB:
		return 1
	}
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parse(v string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
