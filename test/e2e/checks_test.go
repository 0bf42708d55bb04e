package e2e

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/rathaus-io/rathaus/internal/ownership"
)

func TestLedger(t *testing.T) {
	l := newLedger()
	l.observe("Secret", "a", "db", "u1", map[string][]byte{"password": []byte("x")})
	l.observe("Secret", "a", "db", "u1", map[string][]byte{"password": []byte("x"), "host": []byte("h")})
	l.observe("PersistentVolumeClaim", "a", "data", "c1", nil)
	if p := l.problems(); len(p) != 0 {
		t.Fatalf("an added key is allowed, got %v", p)
	}
	if total, intact, lost := l.tally("Secret"); total != 1 || intact != 1 || lost != 0 {
		t.Errorf("tally = %d, %d, %d", total, intact, lost)
	}

	l.observe("Secret", "a", "db", "u1", map[string][]byte{"password": []byte("y")})
	l.observe("Secret", "a", "db", "u1", map[string][]byte{"password": []byte("z")}) // reported once
	l.observe("Secret", "a", "other", "u2", map[string][]byte{"k": []byte("v")})
	l.observe("Secret", "a", "other", "u3", map[string][]byte{"k": []byte("v")})
	l.deleted("PersistentVolumeClaim", "a", "data")
	want := []string{
		"Secret a/db: the value of key password changed",
		"Secret a/other was deleted and created again (UID u2, now u3)",
		"PersistentVolumeClaim a/data was deleted",
	}
	if got := l.problems(); !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
	if total, intact, lost := l.tally("Secret"); total != 2 || intact != 0 || lost != 1 {
		t.Errorf("Secret tally = %d, %d, %d", total, intact, lost)
	}
	if _, _, lost := l.tally("PersistentVolumeClaim"); lost != 1 {
		t.Errorf("claims lost = %d", lost)
	}

	l2 := newLedger()
	l2.observe("Secret", "a", "gone", "u1", nil)
	l2.observe("Secret", "a", "kept", "u2", nil)
	l2.compare("Secret", map[string]types.UID{ledgerKey("Secret", "a", "kept"): "u2"})
	if got := l2.problems(); !slices.Equal(got, []string{"Secret a/gone was deleted"}) {
		t.Errorf("compare: %q", got)
	}
}

func TestLedgerLostKey(t *testing.T) {
	l := newLedger()
	l.observe("Secret", "a", "db", "u1", map[string][]byte{"password": []byte("x")})
	l.observe("Secret", "a", "db", "u1", map[string][]byte{})
	if got := l.problems(); !slices.Equal(got, []string{"Secret a/db lost key password"}) {
		t.Errorf("problems = %q", got)
	}
}

func TestHalfOwned(t *testing.T) {
	ws := map[string]owner{"town": {Name: "town", UID: "w1"}}
	labels := func(workspace string, data bool) map[string]string {
		l := ownership.Labels(workspace, "files")
		if data {
			l[ownership.DataLabel] = "true"
		}
		return l
	}
	byOperator := []metav1.ManagedFieldsEntry{{Manager: ownership.FieldOwner, Operation: metav1.ManagedFieldsOperationApply}}
	controlled := func(name string, uid string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: "MunicipalityWorkspace", Name: name, UID: types.UID(uid), Controller: ptr.To(true)}}
	}
	obj := func(kind, ns, name string, l map[string]string, mf []metav1.ManagedFieldsEntry, refs []metav1.OwnerReference) object {
		return object{Kind: kind, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l, ManagedFields: mf, OwnerReferences: refs}}
	}
	for _, tc := range []struct {
		name string
		obj  object
		want string // substring of the one finding; "" for none
	}{
		{"fully owned workload", obj("Deployment", "town", "web", labels("town", false), byOperator, controlled("town", "w1")), ""},
		{"data without owner", obj("Secret", "town", "db", labels("town", true), byOperator, nil), ""},
		{"someone else's object", obj("ConfigMap", "town", "kube-root-ca.crt", nil, []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}}, nil), ""},
		{"written but unlabelled", obj("ConfigMap", "town", "cfg", nil, byOperator, controlled("town", "w1")), "lacks the label"},
		{"labelled for another workspace", obj("Service", "town", "svc", labels("elsewhere", false), byOperator, controlled("town", "w1")), `labelled for workspace "elsewhere"`},
		{"labelled, not written", obj("Service", "town", "svc", labels("town", false), []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}, controlled("town", "w1")), "owns none of its fields"},
		{"data with an owner", obj("PersistentVolumeClaim", "town", "data", labels("town", true), byOperator, controlled("town", "w1")), "garbage collection would delete it"},
		{"no controller", obj("Service", "town", "svc", labels("town", false), byOperator, nil), "no controlling owner"},
		{"an old workspace's UID", obj("Service", "town", "svc", labels("town", false), byOperator, controlled("town", "w0")), "not by workspace town"},
		{"namespace without workspace", obj("Service", "nowhere", "svc", labels("town", false), byOperator, controlled("town", "w1")), "without a workspace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := halfOwned([]object{tc.obj}, ws)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("want no finding, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("want one finding containing %q, got %q", tc.want, got)
			}
		})
	}
}

func TestPanics(t *testing.T) {
	log := `{"level":"info","msg":"Starting manager"}
{"level":"error","msg":"Observed a panic in reconciler: runtime error: index out of range"}
panic: assignment to entry in nil map
goroutine 7 [running]:
{"level":"info","msg":"Workspace is not panicking"}
`
	if got := panics(log); len(got) != 3 {
		t.Errorf("panics = %q, want 3 lines", got)
	}
	if got := panics(`{"level":"info","msg":"Created generated credentials"}`); len(got) != 0 {
		t.Errorf("panics = %q, want none", got)
	}
}

func TestSchedule(t *testing.T) {
	draw := func() plan {
		return schedule(rand.New(rand.NewPCG(7, 0)), 30, 20, time.Second, 5*time.Second, 2*time.Second, true)
	}
	p := draw()
	if q := draw(); !slices.Equal(p.runs, q.runs) || !slices.Equal(p.pauses, q.pauses) || p.disruptAt != q.disruptAt {
		t.Error("the same seed must give the same schedule")
	}
	if len(p.runs) != 30 || len(p.pauses) != 30 || len(p.batchSizes) != 30 {
		t.Fatalf("lengths %d %d %d", len(p.runs), len(p.pauses), len(p.batchSizes))
	}
	sum := 0
	for i := range p.runs {
		if p.runs[i] < time.Second || p.runs[i] >= 5*time.Second || p.pauses[i] < 0 || p.pauses[i] >= 2*time.Second {
			t.Errorf("kill %d: run %s, pause %s out of bounds", i, p.runs[i], p.pauses[i])
		}
		sum += p.batchSizes[i]
		if b := p.batchSizes[i]; b > 1 {
			t.Errorf("batch %d has %d workspaces; 20 over 30 kills go out one at a time", i, b)
		}
	}
	if p.batchSizes[29] != 1 {
		t.Error("the last batch must go out just before the last kill")
	}
	if sum != 20 {
		t.Errorf("batches hold %d workspaces, want 20", sum)
	}
	if p.disruptAt < 10 || p.disruptAt >= 20 {
		t.Errorf("disruption after kill %d, want the middle third", p.disruptAt)
	}
	if q := schedule(rand.New(rand.NewPCG(7, 0)), 3, 20, time.Second, 5*time.Second, 2*time.Second, false); q.disruptAt != -1 {
		t.Errorf("no disruption asked, got %d", q.disruptAt)
	}
}
