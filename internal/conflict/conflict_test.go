package conflict

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rathaus-io/rathaus/internal/desired"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// checker claims hosts as the operator does, from the registered components.
var checker = Checker{Claimed: desired.ClaimedHostsOf(desired.Components)}

var t0 = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func ws(ns, name, domain string, created time.Duration, mutate ...func(*rathausv1alpha1.MunicipalityWorkspace)) rathausv1alpha1.MunicipalityWorkspace {
	w := rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(t0.Add(created))},
		Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: domain},
	}
	for _, m := range mutate {
		m(&w)
	}
	return w
}

func ags(key string) func(*rathausv1alpha1.MunicipalityWorkspace) {
	return func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = key }
}

func filesOn(host string) func(*rathausv1alpha1.MunicipalityWorkspace) {
	return func(w *rathausv1alpha1.MunicipalityWorkspace) {
		w.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: host}}
	}
}

func TestFind(t *testing.T) {
	kiel := ws("kiel", "kiel", "kiel.de", 0, filesOn(""))
	kielHolding := ws("kiel", "kiel", "kiel.de", 0, filesOn(""), func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Status.Hosts = []string{"kiel.de"} })
	tests := []struct {
		name       string
		subject    rathausv1alpha1.MunicipalityWorkspace
		others     []rathausv1alpha1.MunicipalityWorkspace
		wantReason string
		wantMsg    string
	}{
		{name: "alone", subject: kiel, others: nil},
		{name: "itself in the list", subject: kiel, others: []rathausv1alpha1.MunicipalityWorkspace{kiel}},
		{name: "different domains", subject: ws("luebeck", "luebeck", "luebeck.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{kiel}},
		{
			name: "same domain, later loses", subject: ws("kiel2", "kiel", "kiel.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
			wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host kiel.de is already used by another workspace",
		},
		{
			name: "same domain, earlier wins", subject: kiel, others: []rathausv1alpha1.MunicipalityWorkspace{ws("kiel2", "kiel", "kiel.de", time.Hour)},
		},
		{
			name: "service host override collides with another's default host", subject: ws("x", "x", "x.de", time.Hour, filesOn("files.kiel.de")),
			others: []rathausv1alpha1.MunicipalityWorkspace{kiel}, wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host files.kiel.de is already used by another workspace",
		},
		{
			name: "disabled service claims nothing", subject: ws("x", "x", "x.de", time.Hour, filesOn("files.kiel.de"), func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Files.Enabled = false }),
			others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
		},
		{
			name: "a second workspace of the same municipality", subject: ws("kiel-b", "kiel", "kiel-b.de", time.Hour, ags("01002000")),
			others:     []rathausv1alpha1.MunicipalityWorkspace{ws("kiel", "kiel", "kiel.de", 0, ags("01002000"))},
			wantReason: rathausv1alpha1.ReasonMunicipalityKeyConflict, wantMsg: "municipalityKey 01002000 already belongs to another workspace; a municipality has one workspace",
		},
		{
			name: "different municipalities", subject: ws("luebeck", "luebeck", "luebeck.de", time.Hour, ags("01003000")),
			others: []rathausv1alpha1.MunicipalityWorkspace{ws("kiel", "kiel", "kiel.de", 0, ags("01002000"))},
		},
		{
			name: "a domain inside another's domain", subject: ws("a", "a", "amt.kiel.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
			wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host amt.kiel.de lies inside the domain of another workspace",
		},
		{
			name: "the parent domain of an older workspace's domain", subject: ws("kiel", "kiel", "kiel.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{ws("a", "a", "www.kiel.de", 0)},
			wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host www.kiel.de lies inside the domain of another workspace",
		},
		{
			name: "the holder of the zone keeps it against an older claim inside", subject: kielHolding, others: []rathausv1alpha1.MunicipalityWorkspace{ws("a", "a", "www.kiel.de", -time.Hour)},
		},
		{
			name: "a host inside another's domain", subject: ws("x", "x", "x.de", time.Hour, filesOn("media.kiel.de")), others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
			wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host media.kiel.de lies inside the domain of another workspace",
		},
		{
			name: "a similar name is not inside", subject: ws("x", "x", "notkiel.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
		},
		{
			name: "second workspace in a namespace", subject: ws("kiel", "kiel-2", "other.de", time.Hour), others: []rathausv1alpha1.MunicipalityWorkspace{kiel},
			wantReason: rathausv1alpha1.ReasonNamespaceConflict, wantMsg: "namespace kiel already holds another workspace; a namespace holds exactly one municipality",
		},
		{
			name: "same creation time: name decides", subject: ws("b", "b", "kiel.de", 0), others: []rathausv1alpha1.MunicipalityWorkspace{ws("a", "a", "kiel.de", 0)},
			wantReason: rathausv1alpha1.ReasonDomainConflict, wantMsg: "host kiel.de is already used by another workspace",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checker.Find(&tt.subject, tt.others)
			if tt.wantReason == "" {
				if got != nil {
					t.Fatalf("unexpected conflict %+v", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("no conflict, want %s", tt.wantReason)
			}
			if got.Reason != tt.wantReason || got.Message != tt.wantMsg {
				t.Fatalf("got %s %q, want %s %q", got.Reason, got.Message, tt.wantReason, tt.wantMsg)
			}
		})
	}
}

func holding(hosts ...string) func(*rathausv1alpha1.MunicipalityWorkspace) {
	return func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Status.Hosts = hosts }
}

func TestFindKeepsWhatIsHeld(t *testing.T) {
	tests := []struct {
		name       string
		subject    rathausv1alpha1.MunicipalityWorkspace
		other      rathausv1alpha1.MunicipalityWorkspace
		wantReason string
	}{
		{
			name:    "a running workspace keeps its namespace against an older newcomer",
			subject: ws("kiel", "kiel", "kiel.de", time.Hour, holding("kiel.de")), other: ws("kiel", "aaa", "other.de", 0),
		},
		{
			name:    "the newcomer is the one stalled",
			subject: ws("kiel", "aaa", "other.de", 0), other: ws("kiel", "kiel", "kiel.de", time.Hour, holding("kiel.de")),
			wantReason: rathausv1alpha1.ReasonNamespaceConflict,
		},
		{
			name:       "an older workspace editing its host onto a held one loses",
			subject:    ws("old", "old", "old.de", 0, filesOn("files.new.de"), holding("old.de")),
			other:      ws("new", "new", "new.de", time.Hour, filesOn(""), holding("files.new.de", "new.de")),
			wantReason: rathausv1alpha1.ReasonDomainConflict,
		},
		{
			name:       "a host still held in status blocks until its holder lets go",
			subject:    ws("b", "b", "b.de", time.Hour, filesOn("files.a.de")),
			other:      ws("a", "a", "a.de", 2*time.Hour, holding("a.de", "files.a.de")),
			wantReason: rathausv1alpha1.ReasonDomainConflict,
		},
		{
			name:    "keeping what one holds when the other only wants it",
			subject: ws("b", "b", "b.de", time.Hour, filesOn("files.x.de"), holding("b.de", "files.x.de")),
			other:   ws("a", "a", "a.de", 0, filesOn("files.x.de")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checker.Find(&tt.subject, []rathausv1alpha1.MunicipalityWorkspace{tt.other})
			switch {
			case tt.wantReason == "" && got != nil:
				t.Fatalf("unexpected conflict %+v", got)
			case tt.wantReason != "" && (got == nil || got.Reason != tt.wantReason):
				t.Fatalf("got %+v, want %s", got, tt.wantReason)
			}
		})
	}
}

func TestFindReportsOldestHolderWhateverTheOrder(t *testing.T) {
	subject := ws("c", "c", "kiel.de", 2*time.Hour)
	a := ws("a", "a", "kiel.de", 0)
	b := ws("b", "b", "kiel.de", time.Hour)
	for _, order := range [][]rathausv1alpha1.MunicipalityWorkspace{{a, b}, {b, a}} {
		if got := checker.Find(&subject, order); got == nil || got.Holder != "a/a" {
			t.Fatalf("holder = %+v, want a/a", got)
		}
	}
}

// TestRelevantIsEnough: deciding on the Relevant workspaces only gives the same answer as
// deciding on the whole fleet, for seeded random fleets with shared namespaces, domains,
// host overrides and held hosts. The operator relies on it to read O(claims), not O(fleet).
func TestRelevantIsEnough(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1000))
	pick := func(from ...string) string { return from[rng.IntN(len(from))] }
	conflicts := 0
	reasons := map[string]int{}
	for range 300 {
		fleet := make([]rathausv1alpha1.MunicipalityWorkspace, 2+rng.IntN(12))
		for i := range fleet {
			// Domains inside others' domains and hosts inside others' zones too, and
			// municipality keys that repeat.
			fleet[i] = ws(pick("kiel", "luebeck", "flensburg", "husum"), pick("ws", "other"),
				pick("kiel.de", "luebeck.de", "flensburg.de", "husum.de", "amt.kiel.de", "www.luebeck.de"), time.Duration(rng.IntN(3))*time.Hour,
				filesOn(pick("", "", "files.kiel.de", "cloud.luebeck.de", "media.husum.de", "x.amt.kiel.de")),
				ags(pick("", "", "01002000", "01003000")))
			if rng.IntN(3) == 0 {
				fleet[i].Status.Hosts = []string{pick("kiel.de", "files.kiel.de", "cloud.luebeck.de", "husum.de", "amt.kiel.de")}
			}
		}
		for i := range fleet {
			subject := &fleet[i]
			var relevant []rathausv1alpha1.MunicipalityWorkspace
			for j := range fleet {
				if checker.Relevant(subject, &fleet[j]) {
					relevant = append(relevant, fleet[j])
				}
			}
			want, got := checker.Find(subject, fleet), checker.Find(subject, relevant)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("%s/%s: on the fleet %+v, on the relevant ones %+v", subject.Namespace, subject.Name, want, got)
			}
			if want != nil {
				conflicts++
				reasons[want.Reason]++
			}
		}
	}
	if conflicts < 100 {
		t.Fatalf("only %d conflicts in the generated fleets; the test would not notice a wrong filter", conflicts)
	}
	for _, r := range []string{rathausv1alpha1.ReasonNamespaceConflict, rathausv1alpha1.ReasonDomainConflict, rathausv1alpha1.ReasonMunicipalityKeyConflict} {
		if reasons[r] < 10 {
			t.Errorf("only %d %s in the generated fleets: %v", reasons[r], r, reasons)
		}
	}
}

func TestIndexHosts(t *testing.T) {
	w := ws("kiel", "kiel", "kiel.de", 0, filesOn(""))
	w.Status.Hosts = []string{"old.kiel.de", "kiel.de"}
	got := checker.IndexHosts(&w)
	want := []string{"files.kiel.de", "id.kiel.de", "kiel.de", "old.kiel.de"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("IndexHosts = %v, want %v (claimed and held, sorted, once each)", got, want)
	}
}

func TestZones(t *testing.T) {
	for host, want := range map[string]string{"media.kiel.de": "kiel.de", "a.b.kiel.de": "b.kiel.de,kiel.de", "kiel.de": "", "de": ""} {
		if got := strings.Join(Zones(host), ","); got != want {
			t.Errorf("Zones(%s) = %q, want %q", host, got, want)
		}
	}
}
