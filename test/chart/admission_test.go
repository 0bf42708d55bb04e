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
	policyIsConfig(t, "namespace-protection", "admission.namespaceProtection.enabled")
}

// TestWorkspaceFieldsIsConfig: the same for the policy that leaves the provider's fields to
// the provider; it is on by default.
func TestWorkspaceFieldsIsConfig(t *testing.T) {
	policyIsConfig(t, "workspace-fields", "admission.workspaceFields.enabled")
}

// TestOperatorScopeIsConfig: the same for the policy confining the operator's writes, for the
// chart's ServiceAccount (rathaus-manager in rathaus-system, as config/ has it).
func TestOperatorScopeIsConfig(t *testing.T) {
	policyIsConfig(t, "operator-scope", "admission.operatorScope.enabled")
}

func policyIsConfig(t *testing.T, name, switchKey string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "admission", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wantPolicy, wantBinding, ok := strings.Cut(string(raw), "\n---\n")
	if !ok {
		t.Fatalf("config/admission/%s.yaml: want a policy and a binding", name)
	}
	docs := split(t, render(t, chartDir))
	policy := find(docs, "ValidatingAdmissionPolicy", "rathaus-"+name)
	if policy == nil {
		t.Fatalf("the chart installs no %s policy by default", name)
	}
	if !sameSpec(t, policy.text, wantPolicy) {
		t.Errorf("the chart's policy spec differs from config/admission:\nchart:\n%s\nconfig:\n%s", specText(t, policy.text), specText(t, wantPolicy))
	}
	binding := find(docs, "ValidatingAdmissionPolicyBinding", "rathaus-"+name)
	if binding == nil {
		t.Fatalf("the chart does not bind the %s policy", name)
	}
	if !sameSpec(t, binding.text, wantBinding) {
		t.Errorf("the chart's binding spec differs from config/admission:\nchart:\n%s\nconfig:\n%s", specText(t, binding.text), specText(t, wantBinding))
	}

	off := split(t, render(t, chartDir, "--set", switchKey+"=false"))
	for _, kind := range []string{"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		if find(off, kind, "rathaus-"+name) != nil {
			t.Errorf("%s=false still renders the %s %s", switchKey, kind, name)
		}
	}
}

// sameSpec compares two manifests' spec blocks as text, up to the trailing newlines Helm trims.
func sameSpec(t *testing.T, a, b string) bool {
	t.Helper()
	return strings.TrimSpace(specText(t, a)) == strings.TrimSpace(specText(t, b))
}
