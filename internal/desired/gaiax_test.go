package desired

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func TestDeriveEndpoints(t *testing.T) {
	in, err := Derive(inputs(func(in *stack.Inputs) { in.Workspace.Spec.Services.Files.Enabled = true }), Components)
	if err != nil {
		t.Fatal(err)
	}
	want := []stack.Endpoint{{Service: "files", URL: "https://files.kiel.de", Version: "34.0.2", ConditionType: "FilesReady"}}
	if len(in.Endpoints) != 1 || in.Endpoints[0] != want[0] {
		t.Errorf("endpoints = %+v, want %+v", in.Endpoints, want)
	}
	if in, _ = Derive(inputs(), Components); len(in.Endpoints) != 0 {
		t.Errorf("a workspace without services has endpoints %+v", in.Endpoints)
	}
}

// TestStatePublishesCredentials renders the whole stack of a workspace whose platform
// publishes Gaia-X credentials: the offering lists the endpoints Derive found.
func TestStatePublishesCredentials(t *testing.T) {
	withProvider := func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		in.Platform.Spec.Provider = &rathausv1alpha1.ProviderIdentity{
			LegalName: "Nordcloud Kommunal GmbH", RegistrationNumber: "DE123456789", HeadquarterAddress: "DE-SH", LegalAddress: "DE-SH",
			TermsAndConditionsURL: "https://provider.example.eu/terms", TermsAndConditionsHash: "4ad7",
			GaiaX: &rathausv1alpha1.GaiaXCredentials{Issuer: "did:web:provider.example.eu", Format: rathausv1alpha1.GaiaXFormatTagus},
		}
	}
	in, err := Derive(inputs(withProvider), Components)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	var offering string
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == gaiax.ConfigMapName {
			offering, _, _ = unstructured.NestedString(o.Object, "data", gaiax.ServiceOfferingKey)
		}
	}
	if !strings.Contains(offering, `"https://files.kiel.de"`) || !strings.Contains(offering, `"gx:ServiceOffering"`) {
		t.Errorf("the published offering does not describe the files service:\n%s", offering)
	}

	in, _ = Derive(inputs(), Components)
	objs, _ = State(in, Components)
	for _, o := range objs {
		if o.GetName() == gaiax.ConfigMapName {
			t.Error("a platform without provider identity publishes credentials")
		}
	}
}
