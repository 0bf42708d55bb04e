package controllers

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// settledInputs are a Ready workspace's inputs with one desired Service and one generated
// Secret kept beside it, as its cache shows them.
func settledInputs() (stack.Inputs, []*unstructured.Unstructured) {
	ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel", UID: "u1", Generation: 2}}
	ws.Status.Conditions = []metav1.Condition{{Type: rathausv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Available",
		LastTransitionTime: metav1.Date(2026, 12, 6, 10, 0, 0, 123456789, metav1.Now().Location())}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "rathaus-valkey", ResourceVersion: "41",
		Labels: map[string]string{ownership.ComponentLabel: "cache"}}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "rathaus-valkey-auth", ResourceVersion: "7"}}
	in := stack.Inputs{
		Workspace:   ws,
		Credentials: []secrets.Spec{{Name: "rathaus-valkey-auth", Component: "cache"}},
		Observed: map[string]client.Object{
			stack.Key("Service", "kiel", "rathaus-valkey"):     svc,
			stack.Key("Secret", "kiel", "rathaus-valkey-auth"): secret,
		},
	}
	return in, []*unstructured.Unstructured{desiredObject("Service", "rathaus-valkey", "cache")}
}

// readBack is the workspace as a restarted operator reads it after st was written: through
// JSON, as the API server stores it.
func readBack(t *testing.T, ws *rathausv1alpha1.MunicipalityWorkspace, st *rathausv1alpha1.MunicipalityWorkspaceStatus) *rathausv1alpha1.MunicipalityWorkspace {
	t.Helper()
	out := ws.DeepCopy()
	doc, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	out.Status = rathausv1alpha1.MunicipalityWorkspaceStatus{}
	if err := json.Unmarshal(doc, &out.Status); err != nil {
		t.Fatal(err)
	}
	return out
}

func resumes(t *testing.T, r *WorkspaceReconciler, in stack.Inputs) (settled, bool) {
	t.Helper()
	digest, err := desired.InputsDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	return r.resumeFromStatus(types.NamespacedName{Namespace: "kiel", Name: "kiel"}, &in.Workspace.Status, digest, in, nil)
}

func TestARestartResumesWhatTheStatusVouchesFor(t *testing.T) {
	r := &WorkspaceReconciler{Client: fake.NewClientBuilder().WithScheme(Scheme()).Build(), BuildID: "build-1"}
	in, objs := settledInputs()
	basis := r.resumeBasis(in, nil, objs, nil, nil)
	if basis == nil {
		t.Fatal("a settled workspace whose observed objects are its desired ones and a kept Secret gave no basis")
	}
	st := in.Workspace.Status.DeepCopy()
	st.ObservedGeneration = 2
	r.recordSettled(&in.Workspace.Status, in.Workspace, st, func() *resumeBasis { return basis })
	if st.SettledDigest == "" {
		t.Fatal("no settled digest recorded with a status that is written anyway")
	}
	restarted := in
	restarted.Workspace = readBack(t, in.Workspace, st)

	fresh := func(build string) *WorkspaceReconciler { return &WorkspaceReconciler{Client: r.Client, BuildID: build} }
	restartedOp := fresh("build-1")
	got, ok := resumes(t, restartedOp, restarted)
	if !ok || !got.reported {
		t.Fatalf("the restarted operator did not resume from the status it wrote (%v), or not with its reports (%v)", ok, got.reported)
	}
	if len(got.objects) != 1 || got.objects[0] != (settledObject{"v1", "Service", "kiel", "rathaus-valkey", "cache"}) {
		t.Errorf("resumed objects: %+v, want the Service alone (the kept Secret is no desired object)", got.objects)
	}
	if _, ok := resumes(t, restartedOp, restarted); ok {
		t.Error("resumed from the status twice: only a process's first reconcile may, later ones know better")
	}

	cases := []struct {
		name, build string
		mutate      func(*stack.Inputs)
		resumes     bool
	}{
		{"nothing changed", "build-1", func(*stack.Inputs) {}, true},
		{"another build", "build-2", func(*stack.Inputs) {}, false},
		{"no build name", "", func(*stack.Inputs) {}, false},
		{"a resource version alone (the cluster's bookkeeping)", "build-1", func(in *stack.Inputs) {
			in.Observed[stack.Key("Service", "kiel", "rathaus-valkey")].SetResourceVersion("42")
		}, true},
		{"an object changed meanwhile", "build-1", func(in *stack.Inputs) {
			in.Observed[stack.Key("Service", "kiel", "rathaus-valkey")].(*corev1.Service).Spec.ClusterIP = "None"
		}, false},
		{"an object more, e.g. a claim kept after its service was switched off", "build-1", func(in *stack.Inputs) {
			in.Observed[stack.Key("PersistentVolumeClaim", "kiel", "data")] = &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "data", ResourceVersion: "3"}}
		}, false},
		{"an object gone", "build-1", func(in *stack.Inputs) { delete(in.Observed, stack.Key("Service", "kiel", "rathaus-valkey")) }, false},
		{"a changed spec", "build-1", func(in *stack.Inputs) { in.Workspace.Spec.DisplayName = "Landeshauptstadt Kiel" }, false},
		{"a status written since", "build-1", func(in *stack.Inputs) { in.Workspace.Status.ObservedGeneration = 3 }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changed := restarted
			changed.Workspace = restarted.Workspace.DeepCopy()
			changed.Observed = map[string]client.Object{}
			for k, v := range restarted.Observed {
				changed.Observed[k] = v.DeepCopyObject().(client.Object)
			}
			tc.mutate(&changed)
			if _, ok := resumes(t, fresh(tc.build), changed); ok != tc.resumes {
				t.Errorf("resumed without rendering: %v, want %v", ok, tc.resumes)
			}
		})
	}
}

func TestSettledDigestIsRecordedOnlyWhereARestartCouldUseIt(t *testing.T) {
	r := &WorkspaceReconciler{Client: fake.NewClientBuilder().WithScheme(Scheme()).Build(), BuildID: "build-1"}
	in, objs := settledInputs()
	if (&WorkspaceReconciler{Client: r.Client}).resumeBasis(in, nil, objs, nil, nil) != nil {
		t.Error("a basis without a build name")
	}
	retained := in
	retained.Observed = map[string]client.Object{stack.Key("PersistentVolumeClaim", "kiel", "data"): &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "data"}}}
	for k, v := range in.Observed {
		retained.Observed[k] = v
	}
	if r.resumeBasis(retained, nil, objs, nil, nil) != nil {
		t.Error("a basis although a restart would take a kept claim for a desired object")
	}

	wrote := in.Workspace.Status.DeepCopy()
	wrote.ObservedGeneration = 2
	if r.recordSettled(&in.Workspace.Status, in.Workspace, wrote, nil); wrote.SettledDigest != "" {
		t.Error("a reconcile that wrote (no basis to resume from) recorded a settled digest")
	}
	basis := r.resumeBasis(in, nil, objs, nil, nil)
	st := in.Workspace.Status.DeepCopy()
	r.recordSettled(&in.Workspace.Status, in.Workspace, st, func() *resumeBasis { return basis })
	if st.SettledDigest != "" {
		t.Error("a status write for the settled digest alone: a settled fleet would write at rest")
	}
	st.ObservedGeneration = 2
	r.recordSettled(&in.Workspace.Status, in.Workspace, st, func() *resumeBasis { return basis })
	if st.SettledDigest == "" {
		t.Error("no settled digest with a status written anyway")
	}
}
