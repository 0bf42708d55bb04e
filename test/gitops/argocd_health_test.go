// Package gitops tests what docs/gitops ships for GitOps tools.
package gitops

import (
	"encoding/json"
	"os"
	"testing"

	lua "github.com/yuin/gopher-lua"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// health runs the shipped Argo CD health check on ws, as Argo CD does: the object as a Lua
// table in the global obj, the script's returned table read for status and message.
func health(t *testing.T, script string, ws *rathausv1alpha1.MunicipalityWorkspace) (string, string) {
	t.Helper()
	raw, err := json.Marshal(ws)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		t.Fatalf("script failed: %v", err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("script returned %v, want a table", L.Get(-1))
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch t := v.(type) {
	case map[string]any:
		tbl := L.NewTable()
		for k, val := range t {
			tbl.RawSetString(k, toLua(L, val))
		}
		return tbl
	case []any:
		tbl := L.NewTable()
		for _, val := range t {
			tbl.Append(toLua(L, val))
		}
		return tbl
	case string:
		return lua.LString(t)
	case float64:
		return lua.LNumber(t)
	case bool:
		return lua.LBool(t)
	default:
		return lua.LNil
	}
}

func workspace(generation, observed int64, conds ...metav1.Condition) *rathausv1alpha1.MunicipalityWorkspace {
	return &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel", Generation: generation},
		Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: "kiel.de"},
		Status:     rathausv1alpha1.MunicipalityWorkspaceStatus{ObservedGeneration: observed, Conditions: conds},
	}
}

func TestArgoCDHealthCheck(t *testing.T) {
	script, err := os.ReadFile("../../docs/gitops/argocd-health.lua")
	if err != nil {
		t.Fatal(err)
	}
	ready := metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Provisioned", Message: "provisioned"}
	waiting := metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Progressing", Message: "waiting for files"}
	stalled := metav1.Condition{Type: "Stalled", Status: metav1.ConditionTrue, Reason: "DomainConflict", Message: "host kiel.de is already used by another workspace"}
	suspended := workspace(2, 2, ready)
	suspended.Spec.Suspend = true

	tests := []struct {
		name        string
		ws          *rathausv1alpha1.MunicipalityWorkspace
		wantStatus  string
		wantMessage string
	}{
		{name: "no status yet", ws: workspace(1, 0), wantStatus: "Progressing", wantMessage: "Waiting for the operator to observe the workspace"},
		{name: "ready", ws: workspace(3, 3, ready), wantStatus: "Healthy", wantMessage: "provisioned"},
		{name: "spec changed, not observed", ws: workspace(4, 3, ready), wantStatus: "Progressing", wantMessage: "Waiting for the operator to observe the workspace"},
		{name: "coming up", ws: workspace(1, 1, waiting), wantStatus: "Progressing", wantMessage: "waiting for files"},
		{name: "stalled", ws: workspace(1, 1, metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "DomainConflict", Message: "x"}, stalled), wantStatus: "Degraded", wantMessage: "DomainConflict: host kiel.de is already used by another workspace"},
		{name: "suspended", ws: suspended, wantStatus: "Suspended", wantMessage: "Reconciliation is suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, message := health(t, string(script), tt.ws)
			if status != tt.wantStatus || message != tt.wantMessage {
				t.Fatalf("health = %s %q, want %s %q", status, message, tt.wantStatus, tt.wantMessage)
			}
		})
	}
}
