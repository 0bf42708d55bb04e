package health

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/internal/stack"
)

type component struct {
	name, condition string
}

func (c component) Name() string                                 { return c.name }
func (c component) Render(stack.Inputs) ([]client.Object, error) { return nil, nil }
func (c component) ConditionType() string                        { return c.condition }

func (c component) Pending(stack.Inputs) string {
	if c.name == "files" {
		return "a load balancer address"
	}
	return ""
}

type plain struct{ name string }

func (p plain) Name() string                                 { return p.name }
func (p plain) Render(stack.Inputs) ([]client.Object, error) { return nil, nil }

func rendered(component, kind, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetKind(kind)
	u.SetNamespace("ns")
	u.SetName(name)
	u.SetLabels(map[string]string{ownership.ComponentLabel: component})
	return u
}

func TestComponents(t *testing.T) {
	components := []stack.Component{plain{"baseline"}, component{"database", "DatabaseReady"}, component{"files", "FilesReady"}, component{"video", "VideoReady"}}
	objs := []*unstructured.Unstructured{
		rendered("baseline", "ResourceQuota", "q"),
		rendered("database", "StatefulSet", "db"),
		rendered("database", "Service", "db"),
		rendered("files", "Deployment", "nc"),
	}
	observed := map[string]client.Object{
		"StatefulSet/ns/db": &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Generation: 1},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1)},
			Status:     appsv1.StatefulSetStatus{ObservedGeneration: 1, UpdatedReplicas: 1, AvailableReplicas: 1},
		},
		"Service/ns/db": &corev1.Service{},
		// files' Deployment was just applied: not observed.
	}
	got := Components(stack.Inputs{}, components, objs, observed)
	if len(got) != 2 {
		t.Fatalf("reports = %+v; want database and files only (baseline has no condition, video rendered nothing)", got)
	}
	if got[0].Component != "database" || got[0].ConditionType != "DatabaseReady" || !got[0].Ready {
		t.Errorf("first report = %+v", got[0])
	}
	if got[1].Component != "files" || got[1].Ready || got[1].Message != "a load balancer address, Deployment nc to be observed" {
		t.Errorf("files report = %+v", got[1])
	}
}
