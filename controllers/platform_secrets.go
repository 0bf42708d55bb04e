package controllers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/desired"
	"github.com/rathaus-io/rathaus/internal/stack"
)

const (
	// platformSecretsSweep is how often watches of Secrets no platform names any more are
	// stopped.
	platformSecretsSweep = time.Minute
	// platformSecretSyncTimeout bounds how long a reconcile waits for a new watch's first list.
	platformSecretSyncTimeout = 30 * time.Second
)

// platformSecrets serves the Secrets the WorkspacePlatforms name (the object store's
// credentials, the Gaia-X signing key, the mail relay's password) from one watch per Secret,
// on its name alone. They live in the provider's namespaces without the operator's label, so
// the manager's cache does not hold them, and reading them past it cost every reconcile about
// three requests: at a thousand workspaces, most of a resync. Watching only the named ones
// keeps the provider's other Secrets out of the operator's memory, and a changed one (a
// rotated key) reaches the workspaces of its platforms at once.
type platformSecrets struct {
	client kubernetes.Interface
	// platforms lists the WorkspacePlatforms, from the manager's cache, for the sweep.
	platforms client.Reader
	// components say which Secrets a platform names (desired.PlatformSecretRefs).
	components []stack.Component
	// changed receives a Secret that changed after its watch had started.
	changed chan event.GenericEvent

	mu      sync.Mutex
	watched map[types.NamespacedName]*secretWatch
}

type secretWatch struct {
	informer toolscache.SharedIndexInformer
	stop     chan struct{}
}

func newPlatformSecrets(c kubernetes.Interface, platforms client.Reader, components []stack.Component) *platformSecrets {
	return &platformSecrets{
		client: c, platforms: platforms, components: components,
		changed: make(chan event.GenericEvent, 64),
		watched: map[types.NamespacedName]*secretWatch{},
	}
}

// Get returns the Secret ref names, as its watch holds it; a NotFound error when it does not
// exist. The first Get of a Secret starts its watch and waits for its first list. The Secret
// is shared: callers must not modify it.
func (p *platformSecrets) Get(ctx context.Context, ref types.NamespacedName) (*corev1.Secret, error) {
	w := p.watch(ref)
	// A watch that cannot list (the API server away, access denied) retries on its own; the
	// reconcile does not wait for it, but fails and is retried with its backoff.
	wait, cancel := context.WithTimeout(ctx, platformSecretSyncTimeout)
	defer cancel()
	if !toolscache.WaitForCacheSync(wait.Done(), w.informer.HasSynced) {
		return nil, fmt.Errorf("watching Secret %s: its first list did not arrive within %s", ref, platformSecretSyncTimeout)
	}
	obj, exists, err := w.informer.GetStore().GetByKey(ref.Namespace + "/" + ref.Name)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), ref.Name)
	}
	return obj.(*corev1.Secret), nil
}

// watch returns the watch of ref, started if it was not.
func (p *platformSecrets) watch(ref types.NamespacedName) *secretWatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w, ok := p.watched[ref]; ok {
		return w
	}
	byName := fields.OneTermEqualSelector("metadata.name", ref.Name).String()
	secrets := p.client.CoreV1().Secrets(ref.Namespace)
	informer := toolscache.NewSharedIndexInformer(&toolscache.ListWatch{
		ListFunc: func(opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = byName
			return secrets.List(context.Background(), opts)
		},
		WatchFunc: func(opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = byName
			return secrets.Watch(context.Background(), opts)
		},
	}, &corev1.Secret{}, 0, toolscache.Indexers{})
	notify := func(obj any) {
		if s, ok := obj.(*corev1.Secret); ok {
			p.changed <- event.GenericEvent{Object: s}
		}
	}
	_, _ = informer.AddEventHandler(toolscache.ResourceEventHandlerDetailedFuncs{
		// The first list is what the Get that started the watch reads: no news.
		AddFunc: func(obj any, initial bool) {
			if !initial {
				notify(obj)
			}
		},
		UpdateFunc: func(_, obj any) { notify(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			notify(obj)
		},
	})
	w := &secretWatch{informer: informer, stop: make(chan struct{})}
	go informer.Run(w.stop)
	p.watched[ref] = w
	return w
}

// Start implements manager.Runnable: it stops, every minute, the watches of Secrets no
// platform names any more, and all of them when the manager stops.
func (p *platformSecrets) Start(ctx context.Context) error {
	tick := time.NewTicker(platformSecretsSweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.retain(nil)
			return nil
		case <-tick.C:
			named, err := p.named(ctx)
			if err == nil {
				p.retain(named)
			}
		}
	}
}

// named are the Secrets the platforms name now.
func (p *platformSecrets) named(ctx context.Context) ([]types.NamespacedName, error) {
	var list rathausv1alpha1.WorkspacePlatformList
	if err := p.platforms.List(ctx, &list); err != nil {
		return nil, err
	}
	var out []types.NamespacedName
	for i := range list.Items {
		for _, ref := range desired.PlatformSecretRefs(&list.Items[i], p.components) {
			out = append(out, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name})
		}
	}
	return out, nil
}

// retain stops the watches of every Secret but those named.
func (p *platformSecrets) retain(named []types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ref, w := range p.watched {
		if !slices.Contains(named, ref) {
			close(w.stop)
			delete(p.watched, ref)
		}
	}
}

// platformsNaming maps a changed platform Secret to the workspaces of the platforms that
// name it.
func (r *WorkspaceReconciler) platformsNaming(ctx context.Context, secret client.Object) []reconcile.Request {
	var list rathausv1alpha1.WorkspacePlatformList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		platform := &list.Items[i]
		if slices.Contains(desired.PlatformSecretRefs(platform, r.Components), rathausv1alpha1.NamespacedName{Namespace: secret.GetNamespace(), Name: secret.GetName()}) {
			out = append(out, r.workspacesOfPlatform(ctx, platform)...)
		}
	}
	return out
}

// platformSecret reads a Secret a platform names: from its watch, or past the cache where the
// reconciler runs without one (unit tests).
func (r *WorkspaceReconciler) platformSecret(ctx context.Context, ref types.NamespacedName) (*corev1.Secret, error) {
	if r.platformSecrets != nil {
		return r.platformSecrets.Get(ctx, ref)
	}
	secret := &corev1.Secret{}
	return secret, r.APIReader.Get(ctx, ref, secret)
}
