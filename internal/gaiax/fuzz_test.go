package gaiax

import (
	"encoding/json"
	"fmt"
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

var fmtSscan = fmt.Sscan

// FuzzDocuments renders credentials from arbitrary provider and workspace fields: rendering
// must not panic; whatever renders must be deterministic, expand as JSON-LD and verify.
func FuzzDocuments(f *testing.F) {
	f.Add("Landeshauptstadt Kiel", "kiel.de", "Nordcloud GmbH", "DE-SH", "34.0.2-apache", "https://files.kiel.de", "eu-central", "DE")
	f.Add("", "", "\"quoted\" <html> & \u00e4", "", "", "", "", "")
	f.Add("@context", "@id", "_:b0", "gx:x", "@type", "relative/url", "r", "XX")
	f.Fuzz(func(t *testing.T, display, domain, legalName, address, version, url, region, country string) {
		mutate := func(in *stack.Inputs) {
			in.Workspace.Spec.DisplayName, in.Workspace.Spec.Domain = display, domain
			p := in.Platform.Spec.Provider
			p.LegalName, p.HeadquarterAddress = legalName, address
			in.Release.Spec.Components = append(in.Release.Spec.Components, rathausv1alpha1.Component{Name: "fuzz", Image: "example.eu/fuzz", Version: version})
			in.Endpoints = append(in.Endpoints, stack.Endpoint{Service: "fuzz", URL: url})
			in.Platform.Spec.DataResidency.AllowedRegions = []string{region}
			p.GaiaX.RegionCountries = []rathausv1alpha1.RegionCountry{{Region: region, Country: country}}
		}
		a, errA := Documents(inputs(t, testKey(), mutate))
		b, errB := Documents(inputs(t, testKey(), mutate))
		if (errA == nil) != (errB == nil) {
			t.Fatalf("the same inputs failed once: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if string(a.ServiceOffering) != string(b.ServiceOffering) || string(a.LegalParticipant) != string(b.LegalParticipant) {
			t.Fatal("the same inputs gave different documents")
		}
		for _, raw := range [][]byte{a.LegalParticipant, a.ServiceOffering} {
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if _, err := Expand(doc); err != nil {
				t.Fatalf("published credential does not expand: %v", err)
			}
			if err := Verify(raw, testKey().Public()); err != nil {
				t.Fatalf("published credential does not verify: %v", err)
			}
		}
	})
}
