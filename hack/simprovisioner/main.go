// Command simprovisioner is a tiny stand-in for a CSI provisioner in the local simulated (kwok)
// cluster started by hack/cluster.sh. Nothing there runs a real kubelet or storage driver, so
// without it every PersistentVolumeClaim would stay Pending and pods using one would never be
// scheduled.
//
// It watches PersistentVolumeClaims whose StorageClass names the provisioner below and creates a
// hostPath PersistentVolume (pre-bound through claimRef) for each one that is not bound yet; the
// kube-controller-manager then completes the binding. When such a volume is Released (its claim
// was deleted) and its reclaim policy is Delete, the volume is deleted. Nothing is written to
// disk: kwok never starts containers, the hostPath only has to look plausible.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"path"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	// provisionedByAnnotation marks volumes created by a provisioner (the same key the
	// kube-controller-manager and external provisioners use).
	provisionedByAnnotation = "pv.kubernetes.io/provisioned-by"
	// resync re-delivers every object periodically, which doubles as the retry for failed calls.
	resync = 30 * time.Second
)

type provisioner struct {
	name     string
	hostRoot string
	client   kubernetes.Interface
	classes  storagelisters.StorageClassLister
	volumes  corelisters.PersistentVolumeLister
	log      *slog.Logger
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig (default: $KUBECONFIG, then in-cluster)")
	name := flag.String("provisioner", "rathaus.io/simulated", "StorageClass provisioner this program serves")
	hostRoot := flag.String("host-path-root", "/tmp/rathaus-sim", "directory the hostPath of each volume is placed under")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*kubeconfig, *name, *hostRoot, log); err != nil {
		log.Error("simprovisioner failed", "err", err)
		os.Exit(1)
	}
}

func run(kubeconfig, name, hostRoot string, log *slog.Logger) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, resync)
	claimInformer := factory.Core().V1().PersistentVolumeClaims()
	volumeInformer := factory.Core().V1().PersistentVolumes()
	p := &provisioner{
		name:     name,
		hostRoot: hostRoot,
		client:   client,
		classes:  factory.Storage().V1().StorageClasses().Lister(),
		volumes:  volumeInformer.Lister(),
		log:      log,
	}

	if _, err := claimInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.syncClaim(ctx, obj.(*corev1.PersistentVolumeClaim)) },
		UpdateFunc: func(_, obj any) { p.syncClaim(ctx, obj.(*corev1.PersistentVolumeClaim)) },
	}); err != nil {
		return err
	}
	if _, err := volumeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.syncVolume(ctx, obj.(*corev1.PersistentVolume)) },
		UpdateFunc: func(_, obj any) { p.syncVolume(ctx, obj.(*corev1.PersistentVolume)) },
	}); err != nil {
		return err
	}

	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return errors.New("cache did not sync: " + typ.String())
		}
	}
	log.Info("simprovisioner running", "provisioner", name)
	<-ctx.Done()
	factory.Shutdown()
	log.Info("simprovisioner stopped")
	return nil
}

// syncClaim creates the volume for a claim of one of our storage classes that is not bound yet.
func (p *provisioner) syncClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) {
	if pvc.Spec.VolumeName != "" || pvc.Status.Phase != corev1.ClaimPending || pvc.DeletionTimestamp != nil {
		return
	}
	// A claim without a class gets the default one from the kube-controller-manager; wait for it.
	if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		return
	}
	class, err := p.classes.Get(*pvc.Spec.StorageClassName)
	if err != nil || class.Provisioner != p.name {
		return // not ours, or the class does not exist (yet); a resync retries
	}
	pvName := "pvc-" + string(pvc.UID)
	if _, err := p.volumes.Get(pvName); err == nil {
		return // already provisioned, binding is up to the kube-controller-manager
	}
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		p.log.Warn("claim has no storage request, skipping", "claim", pvc.Namespace+"/"+pvc.Name)
		return
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	hostPathType := corev1.HostPathDirectoryOrCreate

	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        pvName,
			Annotations: map[string]string{provisionedByAnnotation: p.name},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   pvc.Spec.AccessModes,
			VolumeMode:                    pvc.Spec.VolumeMode,
			StorageClassName:              class.Name,
			PersistentVolumeReclaimPolicy: reclaim,
			MountOptions:                  class.MountOptions,
			ClaimRef: &corev1.ObjectReference{
				Kind:            "PersistentVolumeClaim",
				APIVersion:      "v1",
				Namespace:       pvc.Namespace,
				Name:            pvc.Name,
				UID:             pvc.UID,
				ResourceVersion: pvc.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{
					Path: path.Join(p.hostRoot, string(pvc.UID)),
					Type: &hostPathType,
				},
			},
		},
	}
	// A class restricted to topologies pins its volumes there, as real provisioners do.
	if len(class.AllowedTopologies) > 0 {
		var terms []corev1.NodeSelectorTerm
		for _, t := range class.AllowedTopologies {
			var term corev1.NodeSelectorTerm
			for _, e := range t.MatchLabelExpressions {
				term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: e.Key, Operator: corev1.NodeSelectorOpIn, Values: e.Values})
			}
			terms = append(terms, term)
		}
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: terms}}
	}
	_, err = p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	switch {
	case err == nil:
		p.log.Info("provisioned volume", "claim", pvc.Namespace+"/"+pvc.Name, "volume", pvName, "size", size.String())
	case apierrors.IsAlreadyExists(err):
	default:
		p.log.Error("creating volume failed", "claim", pvc.Namespace+"/"+pvc.Name, "err", err)
	}
}

// syncVolume deletes a volume of ours once its claim is gone and its policy says Delete.
func (p *provisioner) syncVolume(ctx context.Context, pv *corev1.PersistentVolume) {
	if pv.Annotations[provisionedByAnnotation] != p.name ||
		pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete ||
		pv.DeletionTimestamp != nil {
		return
	}
	err := p.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pv.UID},
	})
	switch {
	case err == nil:
		p.log.Info("deleted released volume", "volume", pv.Name)
	case apierrors.IsNotFound(err):
	default:
		p.log.Error("deleting volume failed", "volume", pv.Name, "err", err)
	}
}
