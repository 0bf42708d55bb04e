package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNamespaceProtectionIsConfig: the chart installs the deletion-safety policy of
// config/admission, spec byte for byte, binds it with Deny, and leaves it out when switched off.
func TestNamespaceProtectionIsConfig(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "admission", "namespace-protection.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wantPolicy, wantBinding, ok := strings.Cut(string(raw), "\n---\n")
	if !ok {
		t.Fatal("config/admission/namespace-protection.yaml: want a policy and a binding")
	}
	docs := split(t, render(t, chartDir))
	policy := find(docs, "ValidatingAdmissionPolicy", "rathaus-namespace-protection")
	if policy == nil {
		t.Fatal("the chart installs no namespace-protection policy by default")
	}
	if !sameSpec(t, policy.text, wantPolicy) {
		t.Errorf("the chart's policy spec differs from config/admission:\nchart:\n%s\nconfig:\n%s", specText(t, policy.text), specText(t, wantPolicy))
	}
	binding := find(docs, "ValidatingAdmissionPolicyBinding", "rathaus-namespace-protection")
	if binding == nil {
		t.Fatal("the chart does not bind the namespace-protection policy")
	}
	if !sameSpec(t, binding.text, wantBinding) {
		t.Errorf("the chart's binding spec differs from config/admission:\nchart:\n%s\nconfig:\n%s", specText(t, binding.text), specText(t, wantBinding))
	}

	off := split(t, render(t, chartDir, "--set", "admission.namespaceProtection.enabled=false"))
	for _, kind := range []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		if n := len(ofKind(off, kind)); n != 0 {
			t.Errorf("admission.namespaceProtection.enabled=false still renders %d %s", n, kind)
		}
	}
}

// sameSpec compares two manifests' spec blocks as text, up to the trailing newlines Helm trims.
func sameSpec(t *testing.T, a, b string) bool {
	t.Helper()
	return strings.TrimSpace(specText(t, a)) == strings.TrimSpace(specText(t, b))
}
