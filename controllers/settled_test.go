package controllers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func desiredObject(kind, name, component string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind(kind)
	u.SetNamespace("kiel")
	u.SetName(name)
	u.SetLabels(map[string]string{ownership.ComponentLabel: component, "other": "label"})
	return u
}

func TestSettledWorkspaces(t *testing.T) {
	var s settledWorkspaces
	kiel, luebeck := types.NamespacedName{Namespace: "kiel", Name: "kiel"}, types.NamespacedName{Namespace: "luebeck", Name: "luebeck"}
	if _, ok := s.lookup(kiel, "d1"); ok {
		t.Fatal("nothing recorded yet, but a lookup succeeded")
	}
	objs := []*unstructured.Unstructured{desiredObject("Service", "rathaus-valkey", "cache"), desiredObject("ConfigMap", "rathaus-dns", "dns")}
	s.record(kiel, "d1", objs, "fp1")

	got, ok := s.lookup(kiel, "d1")
	if !ok || got.objectsFingerprint != "fp1" {
		t.Fatalf("lookup of what was recorded: %v %+v", ok, got)
	}
	if _, ok := s.lookup(kiel, "d2"); ok {
		t.Error("other inputs matched")
	}
	if _, ok := s.lookup(luebeck, "d1"); ok {
		t.Error("another workspace matched")
	}

	stubs := got.stubs()
	if len(stubs) != 2 || stubs[0].GetKind() != "Service" || stubs[0].GetName() != "rathaus-valkey" || stubs[0].GetNamespace() != "kiel" ||
		stubs[0].GetLabels()[ownership.ComponentLabel] != "cache" || stubs[1].GetAPIVersion() != "v1" {
		t.Errorf("stubs: %+v", stubs)
	}

	observed := map[string]client.Object{stack.Key("Service", "kiel", "rathaus-valkey"): &corev1.Service{}}
	if got.allObserved(observed) {
		t.Error("an object missing from the observed ones went unnoticed")
	}
	observed[stack.Key("ConfigMap", "kiel", "rathaus-dns")] = &corev1.ConfigMap{}
	if !got.allObserved(observed) {
		t.Error("every object observed, but not judged so")
	}

	s.forget(kiel)
	if _, ok := s.lookup(kiel, "d1"); ok {
		t.Error("forgotten, but still found")
	}
}

// TestSettledInputsAreReportedOnceTheStatusHoldsTheReports: the reporters of the inputs alone
// are skipped only for inputs whose status was found to hold their reports; a reconcile that
// settles anew, or whose status patch failed, asks them again.
func TestSettledInputsAreReportedOnceTheStatusHoldsTheReports(t *testing.T) {
	var s settledWorkspaces
	kiel := types.NamespacedName{Namespace: "kiel", Name: "kiel"}
	objs := []*unstructured.Unstructured{desiredObject("Service", "rathaus-valkey", "cache")}
	reported := func() bool {
		t.Helper()
		got, ok := s.lookup(kiel, "d1")
		if !ok {
			t.Fatal("what was recorded is not found")
		}
		return got.reported
	}
	s.record(kiel, "d1", objs, "fp1")
	if reported() {
		t.Error("settled anew, the status not yet compared: reported")
	}
	s.markReported(kiel, "d2")
	if reported() {
		t.Error("a status found for other inputs counted for these")
	}
	s.markReported(kiel, "d1")
	if !reported() {
		t.Error("the status found holding the reports of these inputs: not reported")
	}
	s.record(kiel, "d1", objs, "fp1")
	if reported() {
		t.Error("settled anew, still reported from before")
	}
}
