package desired

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

// digestInputs is a derived workspace with every service, backups and an observed object.
func digestInputs(t testing.TB) stack.Inputs {
	t.Helper()
	in, err := Derive(contractInputs(contractCase{rathausv1alpha1.SizeS, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", true}), Components)
	if err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "rathaus-mail-public", ResourceVersion: "41"}}
	in.Observed = map[string]client.Object{stack.Key("Service", "kiel", "rathaus-mail-public"): svc}
	in.BackupPods = []corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "rathaus-backup-files-1", ResourceVersion: "7"}}}
	return in
}

func digest(t *testing.T, in stack.Inputs) string {
	t.Helper()
	d, err := InputsDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestInputsDigest(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*stack.Inputs)
		changes bool
	}{
		{"nothing", func(*stack.Inputs) {}, false},
		{"an annotation of the workspace", func(in *stack.Inputs) { in.Workspace.Annotations = map[string]string{"rathaus.io/bench-steady": "1"} }, false},
		{"a label of the workspace", func(in *stack.Inputs) { in.Workspace.Labels = map[string]string{"team": "it"} }, false},
		{"the workspace's resource version", func(in *stack.Inputs) { in.Workspace.ResourceVersion = "99" }, false},
		{"the platform's managed fields", func(in *stack.Inputs) {
			in.Platform.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
			in.Platform.ResourceVersion = "12"
		}, false},
		{"the workspace's spec", func(in *stack.Inputs) { in.Workspace.Spec.DisplayName = "Kiel" }, true},
		{"the workspace's status", func(in *stack.Inputs) { in.Workspace.Status.ObservedGeneration = 3 }, true},
		{"the workspace's settled digest, a digest of these inputs", func(in *stack.Inputs) { in.Workspace.Status.SettledDigest = "0123" }, false},
		{"the workspace's generation", func(in *stack.Inputs) { in.Workspace.Generation = 8 }, true},
		{"the platform's spec", func(in *stack.Inputs) { in.Platform.Spec.Registry.Mirror = "registry.example.eu/other" }, true},
		{"the release", func(in *stack.Inputs) { in.Release.Spec.Version = "2099.1.0" }, true},
		{"a platform Secret's data", func(in *stack.Inputs) {
			for _, data := range in.PlatformSecrets {
				for k := range data {
					data[k] = []byte("rotated")
				}
			}
		}, true},
		{"an observed object's resource version", func(in *stack.Inputs) {
			in.Observed[stack.Key("Service", "kiel", "rathaus-mail-public")].SetResourceVersion("42")
		}, true},
		{"an observed object more", func(in *stack.Inputs) {
			in.Observed[stack.Key("Service", "kiel", "x")] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "x", ResourceVersion: "1"}}
		}, true},
		{"a backup pod's resource version", func(in *stack.Inputs) { in.BackupPods[0].ResourceVersion = "8" }, true},
		{"a public key", func(in *stack.Inputs) { in.PublicKeys = map[string][]byte{"rathaus-mail-dkim/key": {1}} }, true},
		{"the operator's image", func(in *stack.Inputs) { in.OperatorImage = "ghcr.io/rathaus-io/rathaus:0.5.0" }, true},
	}
	base := digest(t, digestInputs(t))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := digestInputs(t)
			tc.mutate(&in)
			if got := digest(t, in) != base; got != tc.changes {
				t.Errorf("digest changed: %v, want %v", got, tc.changes)
			}
		})
	}
}

func TestDurableInputsDigest(t *testing.T) {
	svc := stack.Key("Service", "kiel", "rathaus-mail-public")
	cases := []struct {
		name    string
		mutate  func(*stack.Inputs)
		changes bool
	}{
		{"nothing", func(*stack.Inputs) {}, false},
		{"an observed object's resource version alone", func(in *stack.Inputs) { in.Observed[svc].SetResourceVersion("42") }, false},
		{"an observed object's managed fields", func(in *stack.Inputs) {
			in.Observed[svc].SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}})
		}, false},
		{"a backup pod's resource version alone", func(in *stack.Inputs) { in.BackupPods[0].ResourceVersion = "8" }, false},
		{"what the cache holds of an observed object", func(in *stack.Inputs) {
			in.Observed[svc].(*corev1.Service).Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.10"}}
		}, true},
		{"an observed object's labels", func(in *stack.Inputs) { in.Observed[svc].SetLabels(map[string]string{"rathaus.io/component": "mail"}) }, true},
		{"a backup pod's phase", func(in *stack.Inputs) { in.BackupPods[0].Status.Phase = corev1.PodFailed }, true},
		{"an observed object more", func(in *stack.Inputs) {
			in.Observed[stack.Key("Service", "kiel", "x")] = &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
		}, true},
		{"the workspace's spec", func(in *stack.Inputs) { in.Workspace.Spec.DisplayName = "Kiel" }, true},
		{"the workspace's status", func(in *stack.Inputs) { in.Workspace.Status.ObservedGeneration = 3 }, true},
		{"the workspace's settled digest", func(in *stack.Inputs) { in.Workspace.Status.SettledDigest = "0123" }, false},
	}
	durable := func(in stack.Inputs) string {
		d, err := DurableInputsDigest(in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := durable(digestInputs(t))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := digestInputs(t)
			tc.mutate(&in)
			if got := durable(in) != base; got != tc.changes {
				t.Errorf("durable digest changed: %v, want %v", got, tc.changes)
			}
		})
	}
}

// TestStateReadsNoWorkspaceMetadataTheDigestLeavesOut holds renderers to what InputsDigest
// takes of the workspace: a renderer that read its labels, annotations or resource version
// would render differently here, and a reconciler trusting the digest would miss the change.
func TestStateReadsNoWorkspaceMetadataTheDigestLeavesOut(t *testing.T) {
	in := digestInputs(t)
	want := golden.YAML(t, mustState(t, in))
	in.Workspace.Labels = map[string]string{"rathaus.io/workspace": "other", "team": "it"}
	in.Workspace.Annotations = map[string]string{"rathaus.io/suspend": "true", "note": "x"}
	in.Workspace.ResourceVersion = "12345"
	in.Workspace.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	in.Workspace.CreationTimestamp = metav1.Unix(1_800_000_000, 0)
	in.Platform.ResourceVersion = "777"
	in.Release.ResourceVersion = "888"
	in.Workspace.Status.SettledDigest = "0123"
	if got := golden.YAML(t, mustState(t, in)); string(got) != string(want) {
		t.Error("the rendered objects depend on workspace metadata or status InputsDigest does not take")
	}
}

// TestStateReadsNoObservedResourceVersion holds renderers to what DurableInputsDigest takes of
// the observed objects, their content: with every object of the stack observed, typed as the
// cache holds it, new resource versions render the same objects. A renderer that read one
// (to roll pods on a change, say) would render differently, and a restarted operator resuming
// from status.settledDigest would miss it.
func TestStateReadsNoObservedResourceVersion(t *testing.T) {
	in := digestInputs(t)
	in.Observed = observeWholeStack(t, in)
	want := golden.YAML(t, mustState(t, in))
	for _, obj := range in.Observed {
		obj.SetResourceVersion("2")
	}
	if got := golden.YAML(t, mustState(t, in)); string(got) != string(want) {
		t.Error("the rendered objects depend on the observed objects' resource versions")
	}
	if len(in.Observed) < 50 {
		t.Errorf("only %d objects observed; the stack renders more", len(in.Observed))
	}
}

// TestStateReadsNoWorkloadStatus pins what lets DurableInputsDigest leave out the status of
// Deployments and StatefulSets: no renderer reads it. The digest then does not move when
// their controllers rewrite it, and it still moves when a status that renderers read does
// (a Service's load balancer address).
func TestStateReadsNoWorkloadStatus(t *testing.T) {
	in := digestInputs(t)
	in.Observed = observeWholeStack(t, in)
	want := golden.YAML(t, mustState(t, in))
	digest, err := DurableInputsDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	condition := []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"}}
	workloads := 0
	for _, obj := range in.Observed {
		switch o := obj.(type) {
		case *appsv1.Deployment:
			o.Status = appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 2, Conditions: condition}
			workloads++
		case *appsv1.StatefulSet:
			o.Status = appsv1.StatefulSetStatus{ObservedGeneration: 3, Replicas: 1, ReadyReplicas: 1, CurrentRevision: "r1", UpdateRevision: "r2"}
			workloads++
		}
	}
	if workloads < 10 {
		t.Fatalf("only %d workloads observed; the stack renders more", workloads)
	}
	if got := golden.YAML(t, mustState(t, in)); string(got) != string(want) {
		t.Error("the rendered objects depend on the observed workloads' status")
	}
	if got, err := DurableInputsDigest(in); err != nil || got != digest {
		t.Errorf("the durable digest moved with the workloads' status: %s, was %s (%v)", got, digest, err)
	}
	changed := false
	for _, obj := range in.Observed {
		if svc, ok := obj.(*corev1.Service); ok && svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.10"}}
			changed = true
		}
	}
	if !changed {
		t.Fatal("no load balancer Service observed")
	}
	if got, err := DurableInputsDigest(in); err != nil || got == digest {
		t.Errorf("the durable digest stayed when a load balancer got an address (%v)", err)
	}
}

// TestRenderingLeavesObservedObjectsAlone: the reconciler hands the renderers, the health
// judgement and the digests the cache's own objects, without copying them (its inventory
// listing is most of a no-op reconcile's work and garbage); none of them may write into one.
func TestRenderingLeavesObservedObjectsAlone(t *testing.T) {
	in := digestInputs(t)
	in.Observed = observeWholeStack(t, in)
	before := map[string]client.Object{}
	for k, obj := range in.Observed {
		before[k] = obj.DeepCopyObject().(client.Object)
	}
	derived, err := Derive(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	objs := mustState(t, derived)
	Records(derived, Components)
	health.Components(derived, Components, objs, derived.Observed)
	if _, err := InputsDigest(derived); err != nil {
		t.Fatal(err)
	}
	if _, err := DurableInputsDigest(derived); err != nil {
		t.Fatal(err)
	}
	for k, obj := range in.Observed {
		if !equality.Semantic.DeepEqual(obj, before[k]) {
			t.Errorf("%s changed while rendering and judging", k)
		}
	}
	if len(in.Observed) < 50 {
		t.Errorf("only %d objects observed; the stack renders more", len(in.Observed))
	}
}

// observeWholeStack is every object in renders, observed at resource version 1 and, where the
// scheme knows its kind, typed without apiVersion and kind, as the cache holds it.
func observeWholeStack(t testing.TB, in stack.Inputs) map[string]client.Object {
	t.Helper()
	out := map[string]client.Object{}
	for _, u := range mustState(t, in) {
		var obj client.Object = u.DeepCopy()
		if typed, err := clientgoscheme.Scheme.New(u.GroupVersionKind()); err == nil {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
				t.Fatal(err)
			}
			obj = typed.(client.Object)
			obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
		}
		obj.SetResourceVersion("1")
		out[Key(u)] = obj
	}
	return out
}

func mustState(t testing.TB, in stack.Inputs) []*unstructured.Unstructured {
	t.Helper()
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// BenchmarkDurableInputsDigest is what a restarted operator pays per workspace it resumes
// from status.settledDigest: the digest of a whole stack's inputs, every object observed.
func BenchmarkDurableInputsDigest(b *testing.B) {
	in := digestInputs(b)
	in.Observed = observeWholeStack(b, in)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DurableInputsDigest(in); err != nil {
			b.Fatal(err)
		}
	}
}
