package controllers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/secrets"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// A generated Secret that exists on the API server but not yet in the cache (after an API
// server outage the operator's watches come back with a delay; make chaos found the
// workspaces stuck in the work queue's backoff on "exists but is not in the cache yet") is
// used as it is: no error, no new value, no write.
func TestEnsureSecretsUsesTheAPIServersCopyTheCacheLacks(t *testing.T) {
	ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel", UID: "w1"}}
	in := stack.Inputs{Workspace: ws}
	spec := secrets.Spec{Name: "rathaus-db-nextcloud", Component: "database", Keys: []secrets.Key{secrets.Password("password")}}
	existing := desired.SecretObject(in, spec)
	existing.Data = map[string][]byte{"password": []byte("kept-as-it-is")}

	// Reads go to a cache that lacks the Secret; writes go to the API server, which has it.
	var writes int
	apiServer := fake.NewClientBuilder().WithScheme(Scheme()).WithObjects(existing).Build()
	cache := fake.NewClientBuilder().WithScheme(Scheme()).WithInterceptorFuncs(interceptor.Funcs{
		Create: func(ctx context.Context, _ client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			err := apiServer.Create(ctx, obj, opts...)
			if err == nil {
				writes++
			}
			return err
		},
		Patch: func(ctx context.Context, _ client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			err := apiServer.Patch(ctx, obj, patch, opts...)
			if err == nil {
				writes++
			}
			return err
		},
	}).Build()
	r := &WorkspaceReconciler{Client: cache, APIReader: apiServer}

	public, problem, err := r.ensureSecrets(context.Background(), in, []secrets.Spec{spec})
	if err != nil || problem != nil {
		t.Fatalf("ensureSecrets: problem %v, error %v; want the API server's copy used", problem, err)
	}
	if len(public) != 0 {
		t.Errorf("public keys %v for a password", public)
	}
	if writes != 0 {
		t.Errorf("%d writes; the Secret exists and must not be created again", writes)
	}
	got := &corev1.Secret{}
	if err := apiServer.Get(context.Background(), client.ObjectKeyFromObject(existing), got); err != nil {
		t.Fatal(err)
	}
	if string(got.Data["password"]) != "kept-as-it-is" {
		t.Errorf("password changed to %q", got.Data["password"])
	}
}

// A settled workspace's reconcile takes its generated Secrets from the objects it has already
// read, without reading them again; completing one writes a copy and leaves the observed
// object as the cache holds it.
func TestEnsureSecretsTakesObservedSecretsAndCompletesACopy(t *testing.T) {
	ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel", UID: "w1"}}
	in := stack.Inputs{Workspace: ws}
	complete := secrets.Spec{Name: "rathaus-valkey", Component: "cache", Keys: []secrets.Key{secrets.Password("password")}}
	stale := secrets.Spec{Name: "rathaus-db-nextcloud", Component: "database", Keys: []secrets.Key{secrets.Password("password")},
		Static: map[string]string{"host": "rathaus-postgresql"}}
	observed := map[string]*corev1.Secret{}
	var objs []client.Object
	for _, spec := range []secrets.Spec{complete, stale} {
		s := desired.SecretObject(in, spec)
		s.Data = map[string][]byte{"password": []byte("kept-" + spec.Name)}
		s.ResourceVersion = "1"
		observed[spec.Name] = s
		objs = append(objs, s.DeepCopy())
	}
	in.Observed = map[string]client.Object{
		stack.Key("Secret", "kiel", complete.Name): observed[complete.Name],
		stack.Key("Secret", "kiel", stale.Name):    observed[stale.Name],
	}
	var reads int
	c := fake.NewClientBuilder().WithScheme(Scheme()).WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			reads++
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
	r := &WorkspaceReconciler{Client: c, APIReader: c}

	if _, problem, err := r.ensureSecrets(context.Background(), in, []secrets.Spec{complete, stale}); err != nil || problem != nil {
		t.Fatalf("ensureSecrets: problem %v, error %v", problem, err)
	}
	if reads != 0 {
		t.Errorf("%d reads of Secrets the reconcile had already read", reads)
	}
	got := &corev1.Secret{}
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "kiel", Name: stale.Name}, got); err != nil {
		t.Fatal(err)
	}
	if string(got.Data["host"]) != "rathaus-postgresql" || string(got.Data["password"]) != "kept-rathaus-db-nextcloud" {
		t.Errorf("completed Secret: %q", got.Data)
	}
	if _, ok := observed[stale.Name].Data["host"]; ok {
		t.Error("completing the Secret wrote into the observed object, which the reconcile goes on reading as the cache's")
	}
}
