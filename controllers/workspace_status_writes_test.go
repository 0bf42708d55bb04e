package controllers

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

func TestStatusWritesTellAStaleCache(t *testing.T) {
	kiel := types.NamespacedName{Namespace: "kiel", Name: "kiel"}
	var w statusWrites
	if w.stale(kiel, "10") {
		t.Fatal("stale before any patch")
	}
	w.record(kiel, "10", time.Unix(0, 0))
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
	w.record(kiel, "12", time.Unix(0, 0))
	w.forget(kiel)
	if w.stale(kiel, "12") {
		t.Fatal("a forgotten workspace is not stale")
	}
}

func TestProgressWaitsForTheIntervalSinceTheLastWrite(t *testing.T) {
	kiel, flensburg := types.NamespacedName{Namespace: "kiel", Name: "kiel"}, types.NamespacedName{Namespace: "flensburg", Name: "flensburg"}
	written := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	var w statusWrites
	if got := w.wait(kiel, written); got != 0 {
		t.Fatalf("a workspace this process never wrote waits %v, want 0", got)
	}
	w.record(kiel, "10", written)
	cases := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, progressInterval},
		{time.Second, progressInterval - time.Second},
		{progressInterval, 0},
		{time.Hour, 0},
	}
	for _, c := range cases {
		if got := w.wait(kiel, written.Add(c.at)); got != c.want {
			t.Errorf("%v after the write: wait %v, want %v", c.at, got, c.want)
		}
	}
	if got := w.wait(flensburg, written); got != 0 {
		t.Errorf("another workspace waits %v, want 0", got)
	}
	w.stale(kiel, "11") // the cache moved on: the version goes, the time stays
	if got := w.wait(kiel, written.Add(time.Second)); got != progressInterval-time.Second {
		t.Errorf("after the cache moved on: wait %v, want %v", got, progressInterval-time.Second)
	}
	w.forget(kiel)
	if got := w.wait(kiel, written); got != 0 {
		t.Errorf("a forgotten workspace waits %v, want 0", got)
	}
}
