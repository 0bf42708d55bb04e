package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync/atomic"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

var nameCounter atomic.Int64

// uniqueName keeps specs independent of each other on the shared API server.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, nameCounter.Add(1))
}

func createNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("town")}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// ensurePlatform creates the platform if it does not exist yet.
func ensurePlatform(ctx context.Context, name string, mutate ...func(*rathausv1alpha1.WorkspacePlatform)) *rathausv1alpha1.WorkspacePlatform {
	p := &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, m := range mutate {
		m(p)
	}
	if err := k8s.Create(ctx, p); err != nil {
		Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
	}
	return p
}

func newWorkspace(namespace, domain string, mutate ...func(*rathausv1alpha1.MunicipalityWorkspace)) *rathausv1alpha1.MunicipalityWorkspace {
	ws := &rathausv1alpha1.MunicipalityWorkspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "workspace"},
		Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
			DisplayName: "Gemeinde " + namespace,
			Domain:      domain,
		},
	}
	for _, m := range mutate {
		m(ws)
	}
	return ws
}

func getWorkspace(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) *rathausv1alpha1.MunicipalityWorkspace {
	got := &rathausv1alpha1.MunicipalityWorkspace{}
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
	return got
}

// condition returns "Status/Reason" of a condition of the workspace, or "" when absent, so
// that one Eventually can wait for both.
func condition(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, typ string) func() string {
	return func() string {
		got := &rathausv1alpha1.MunicipalityWorkspace{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(ws), got); err != nil {
			return "error: " + err.Error()
		}
		c := meta.FindStatusCondition(got.Status.Conditions, typ)
		if c == nil {
			return ""
		}
		if c.ObservedGeneration != got.Generation {
			return "stale"
		}
		return string(c.Status) + "/" + c.Reason
	}
}

func waitReady(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) {
	Eventually(condition(ctx, ws, "Ready")).Should(Equal("True/Provisioned"))
}

func resourceMustParse(s string) resource.Quantity { return resource.MustParse(s) }

// updateWorkspace changes the workspace as a user would, retrying when the operator wrote in
// between (it adds its finalizer, and patches status).
func updateWorkspace(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace, mutate func(*rathausv1alpha1.MunicipalityWorkspace)) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got := getWorkspace(ctx, ws)
		mutate(got)
		return k8s.Update(ctx, got)
	})).To(Succeed())
}

// waitQuiet waits until no workspace on the cluster has changed for two seconds: every
// reconcile the operator had to do has been done.
func waitQuiet(ctx context.Context) {
	versions := func() map[string]string {
		var list rathausv1alpha1.MunicipalityWorkspaceList
		Expect(k8s.List(ctx, &list)).To(Succeed())
		out := map[string]string{}
		for _, ws := range list.Items {
			out[ws.Namespace+"/"+ws.Name] = ws.ResourceVersion
		}
		return out
	}
	Eventually(func() bool {
		before := versions()
		time.Sleep(2 * time.Second)
		return reflect.DeepEqual(before, versions())
	}, "60s").Should(BeTrue())
}

// applyManifests creates every object of a YAML file of config/, as a provider would apply it,
// and returns how many it created; objects an earlier spec created stay as they are.
func applyManifests(ctx context.Context, file string) int {
	raw, err := os.ReadFile(file)
	Expect(err).NotTo(HaveOccurred())
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	created := 0
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return created
			}
			Expect(err).NotTo(HaveOccurred())
		}
		if len(obj.Object) == 0 {
			continue
		}
		if err := k8s.Create(ctx, obj); err != nil {
			Expect(apierrors.IsAlreadyExists(err)).To(BeTrue(), err.Error())
			continue
		}
		created++
	}
}

// eventReasons lists the reasons of the Events in namespace.
func eventReasons(ctx context.Context, namespace string) func() []string {
	return func() []string {
		var events eventsv1.EventList
		Expect(k8s.List(ctx, &events, client.InNamespace(namespace))).To(Succeed())
		var reasons []string
		for _, e := range events.Items {
			reasons = append(reasons, e.Reason)
		}
		return reasons
	}
}

// observedCurrentGeneration tells whether the operator has reconciled ws's current spec.
func observedCurrentGeneration(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) func() bool {
	return func() bool {
		got := getWorkspace(ctx, ws)
		return got.Status.ObservedGeneration == got.Generation
	}
}
