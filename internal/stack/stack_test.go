package stack

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestIdentityPort(t *testing.T) {
	for issuer, want := range map[string]int32{
		"https://id.kiel.de/realms/kiel":      443,
		"https://id.kiel.de:8443/realms/kiel": 8443,
		"https://id.kiel.de:0/":               443,
		"https://id.kiel.de:99999/":           443,
		"::not a url":                         443,
	} {
		if got := (&Identity{IssuerURL: issuer}).Port(); got != want {
			t.Errorf("Port(%q) = %d, want %d", issuer, got, want)
		}
	}
}

func TestServiceFQDN(t *testing.T) {
	in := Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel"}},
		Platform:  &rathausv1alpha1.WorkspacePlatform{},
	}
	if got := in.ServiceFQDN("db"); got != "db.kiel.svc.cluster.local" {
		t.Errorf("default domain: %s", got)
	}
	in.Platform.Spec.Network.ClusterDomain = "corp.internal"
	if got := in.ServiceFQDN("db"); got != "db.kiel.svc.corp.internal" {
		t.Errorf("platform domain: %s", got)
	}
}
