package controllers

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestStatusWritesTellAStaleCache(t *testing.T) {
	kiel := types.NamespacedName{Namespace: "kiel", Name: "kiel"}
	var w statusWrites
	if w.stale(kiel, "10") {
		t.Fatal("stale before any patch")
	}
	w.record(kiel, "10")
	if !w.stale(kiel, "10") {
		t.Fatal("the version the patch was computed from must read as stale")
	}
	if !w.stale(kiel, "10") {
		t.Fatal("still stale while the cache has not moved")
	}
	if w.stale(kiel, "12") {
		t.Fatal("a newer version is not stale")
	}
	if w.stale(kiel, "10") {
		t.Fatal("once the cache moved on, the entry is gone")
	}
	w.record(kiel, "12")
	w.forget(kiel)
	if w.stale(kiel, "12") {
		t.Fatal("a forgotten workspace is not stale")
	}
}
