package images

import (
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestReference(t *testing.T) {
	tests := []struct {
		name   string
		c      rathausv1alpha1.Component
		mirror string
		want   string
	}{
		{name: "official image", c: rathausv1alpha1.Component{Image: "nextcloud", Version: "31.0.9-apache"}, want: "docker.io/library/nextcloud:31.0.9-apache"},
		{name: "docker hub org", c: rathausv1alpha1.Component{Image: "jitsi/web", Version: "stable-10431"}, want: "docker.io/jitsi/web:stable-10431"},
		{name: "other registry", c: rathausv1alpha1.Component{Image: "quay.io/keycloak/keycloak", Version: "26.4.0"}, want: "quay.io/keycloak/keycloak:26.4.0"},
		{name: "registry with port", c: rathausv1alpha1.Component{Image: "localhost:5000/x", Version: "1"}, want: "localhost:5000/x:1"},
		{
			name: "through mirror", c: rathausv1alpha1.Component{Image: "quay.io/keycloak/keycloak", Version: "26.4.0"},
			mirror: "registry.example.eu/mirror/", want: "registry.example.eu/mirror/quay.io/keycloak/keycloak:26.4.0",
		},
		{
			name: "short name through mirror", c: rathausv1alpha1.Component{Image: "postgres", Version: "17.6"},
			mirror: "registry.example.eu", want: "registry.example.eu/docker.io/library/postgres:17.6",
		},
		{
			name: "digest wins over tag", c: rathausv1alpha1.Component{Image: "valkey/valkey", Version: "8.1", Digest: "sha256:abc"},
			mirror: "m.example.eu", want: "m.example.eu/docker.io/valkey/valkey@sha256:abc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reference(tt.c, tt.mirror); got != tt.want {
				t.Fatalf("Reference = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	r := &rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: "2026.11.0", Components: []rathausv1alpha1.Component{{Name: "valkey", Image: "valkey/valkey", Version: "8.1"}}}}
	if c, err := Find(r, "valkey"); err != nil || c.Version != "8.1" {
		t.Fatalf("Find(valkey) = %+v, %v", c, err)
	}
	if _, err := Find(r, "nextcloud"); err == nil || err.Error() != "release 2026.11.0 has no component nextcloud" {
		t.Fatalf("Find(nextcloud) err = %v", err)
	}
}
