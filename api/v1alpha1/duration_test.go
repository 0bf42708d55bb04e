package v1alpha1

import (
	"encoding/json"
	"testing"
	"time"
)

// TestDurationNeverFailsToDecode: a platform stored with a duration that does not parse (before
// the schema checked them) still decodes, so a list of platforms, and the operator's cache,
// never fails on it; the value is marked invalid and written back as it was.
func TestDurationNeverFailsToDecode(t *testing.T) {
	var p WorkspacePlatform
	raw := `{"apiVersion":"rathaus.io/v1alpha1","kind":"WorkspacePlatform","metadata":{"name":"p"},"spec":{"upgrades":{"canarySoak":"forever","stepTimeout":"1h30m"}}}`
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("a platform with an unparsable duration does not decode: %v", err)
	}
	soak, step := p.Spec.Upgrades.CanarySoak, p.Spec.Upgrades.StepTimeout
	if soak.Valid() || soak.String() != "forever" {
		t.Errorf("canarySoak: valid %v, %q", soak.Valid(), soak.String())
	}
	if !step.Valid() || step.Duration != 90*time.Minute {
		t.Errorf("stepTimeout: valid %v, %v", step.Valid(), step.Duration)
	}
	out, err := json.Marshal(p.Spec.Upgrades)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != `{"canarySoak":"forever","stepTimeout":"1h30m0s"}` {
		t.Errorf("encoded %s", got)
	}
	var bad Duration
	if err := json.Unmarshal([]byte(`42`), &bad); err == nil {
		t.Error("a number decoded as a duration")
	}
}
