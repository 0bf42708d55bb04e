package opencast

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

// role is one kind of Opencast node. Each role is its own distribution image
// (opencast-docker Makefile, OPENCAST_DISTRIBUTION) and its own StatefulSet.
type role struct {
	// name is the distribution: allinone, admin, presentation or worker.
	name string
	// image is the release component of the distribution's image.
	image    string
	replicas int32
	figures  kit.Figures
	// public marks the role that serves the engage UI on the media host.
	public bool
	// admin marks the role that serves the admin UI behind the proxy.
	admin bool
	// search marks roles that use OpenSearch; the entrypoint refuses to configure allinone,
	// admin and presentation without it (docker-entrypoint.sh opencast_main_check).
	search bool
}

// topology is the layout of one size tier.
type topology struct {
	roles []role
	// volume is the size of the shared storage directory (recordings, workspace, downloads).
	volume string
	search searchFigures
	proxy  kit.Figures
}

type searchFigures struct {
	container kit.Figures
	// heap is the JVM heap, half of the container's memory as OpenSearch recommends.
	heap   string
	volume string
}

// shared reports whether several nodes share the storage directory, which then needs a
// ReadWriteMany volume: the admin node serves the working file repository from it and every
// node reads and writes the same files (opencast-docker compose.multiserver.*: one "data"
// volume mounted at /data by admin, presentation and worker).
func (t topology) shared() bool { return len(t.roles) > 1 }

func allInOne(f kit.Figures) role {
	return role{name: "allinone", image: AllInOneImage, replicas: 1, figures: f, public: true, admin: true, search: true}
}

func admin(f kit.Figures) role {
	return role{name: "admin", image: AdminImage, replicas: 1, figures: f, admin: true, search: true}
}

func presentation(replicas int32, f kit.Figures) role {
	return role{name: "presentation", image: PresentationImage, replicas: replicas, figures: f, public: true, search: true}
}

// worker nodes encode and analyse recordings; they are what grows with a municipality's
// recordings, so larger tiers get more of them.
func worker(replicas int32, f kit.Figures) role {
	return role{name: "worker", image: WorkerImage, replicas: replicas, figures: f}
}

func figures(requests, limits [2]string) kit.Figures {
	return kit.Figures{Requests: requests, Limits: limits}
}

// tiers: the smallest runs everything in one node, larger ones split the roles as upstream's
// multi-server setup does. Opencast's JVM needs some 2-3 GiB at rest; encoding is CPU-bound.
var tiers = map[rathausv1alpha1.SizeTier]topology{
	rathausv1alpha1.SizeS: {
		roles:  []role{allInOne(figures([2]string{"1", "3Gi"}, [2]string{"4", "6Gi"}))},
		volume: "100Gi",
		search: searchFigures{container: figures([2]string{"250m", "1Gi"}, [2]string{"1", "1Gi"}), heap: "512m", volume: "10Gi"},
		proxy:  figures([2]string{"50m", "64Mi"}, [2]string{"500m", "128Mi"}),
	},
	rathausv1alpha1.SizeM: {
		roles: []role{
			admin(figures([2]string{"1", "3Gi"}, [2]string{"2", "4Gi"})),
			presentation(1, figures([2]string{"500m", "2Gi"}, [2]string{"2", "3Gi"})),
			worker(1, figures([2]string{"2", "3Gi"}, [2]string{"4", "6Gi"})),
		},
		volume: "500Gi",
		search: searchFigures{container: figures([2]string{"500m", "2Gi"}, [2]string{"2", "2Gi"}), heap: "1g", volume: "20Gi"},
		proxy:  figures([2]string{"50m", "64Mi"}, [2]string{"500m", "128Mi"}),
	},
	rathausv1alpha1.SizeL: {
		roles: []role{
			admin(figures([2]string{"2", "4Gi"}, [2]string{"4", "8Gi"})),
			presentation(1, figures([2]string{"1", "2Gi"}, [2]string{"2", "4Gi"})),
			worker(2, figures([2]string{"2", "4Gi"}, [2]string{"4", "8Gi"})),
		},
		volume: "2Ti",
		search: searchFigures{container: figures([2]string{"1", "4Gi"}, [2]string{"2", "4Gi"}), heap: "2g", volume: "50Gi"},
		proxy:  figures([2]string{"100m", "64Mi"}, [2]string{"1", "128Mi"}),
	},
	rathausv1alpha1.SizeXL: {
		roles: []role{
			admin(figures([2]string{"2", "6Gi"}, [2]string{"4", "8Gi"})),
			presentation(2, figures([2]string{"1", "3Gi"}, [2]string{"2", "4Gi"})),
			worker(4, figures([2]string{"4", "6Gi"}, [2]string{"8", "12Gi"})),
		},
		volume: "10Ti",
		search: searchFigures{container: figures([2]string{"2", "8Gi"}, [2]string{"4", "8Gi"}), heap: "4g", volume: "100Gi"},
		proxy:  figures([2]string{"100m", "64Mi"}, [2]string{"1", "128Mi"}),
	},
}

// topologyFor is the workspace's layout; an unknown tier (Derive refuses it before) gets S's.
func topologyFor(in stack.Inputs) topology {
	if t, ok := tiers[in.Size()]; ok {
		return t
	}
	return tiers[rathausv1alpha1.SizeS]
}

// adminRole is the role that serves the admin UI and the working file repository.
func (t topology) adminRole() role {
	for _, r := range t.roles {
		if r.admin {
			return r
		}
	}
	return t.roles[0]
}

// publicRole is the role that serves the engage UI.
func (t topology) publicRole() role {
	for _, r := range t.roles {
		if r.public {
			return r
		}
	}
	return t.roles[0]
}

// dataClaim is the storage directory every node mounts at /data; a single node's volume is
// ReadWriteOnce on the platform's default class, shared ones ReadWriteMany.
// A volume that exists keeps its access mode and class, which Kubernetes cannot change: a
// shared volume serves a single node as well, and a single node's volume cannot be shared
// (Render stalls with rathausv1alpha1.ReasonVolumeNotShared).
func dataClaim(in stack.Inputs, t topology) *corev1.PersistentVolumeClaim {
	mode, class := corev1.ReadWriteOnce, in.StorageClass()
	if t.shared() {
		mode, class = corev1.ReadWriteMany, ptr.To(in.Platform.Spec.Storage.ReadWriteManyClass)
	}
	if existing := observedDataClaim(in); existing != nil && len(existing.Spec.AccessModes) == 1 && existing.Spec.AccessModes[0] == corev1.ReadWriteMany && !t.shared() {
		mode, class = corev1.ReadWriteMany, existing.Spec.StorageClassName
	}
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: kit.DataMeta(in, ComponentName, dataClaimName),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{mode},
			StorageClassName: class,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(t.volume)}},
		},
	}
}

// observedDataClaim is the storage directory's claim as the cluster holds it; nil before it exists.
func observedDataClaim(in stack.Inputs) *corev1.PersistentVolumeClaim {
	pvc, _ := in.Observed[stack.Key("PersistentVolumeClaim", in.Workspace.Namespace, dataClaimName)].(*corev1.PersistentVolumeClaim)
	return pvc
}

// sharesVolume reports whether the storage directory's volume, if it exists, can be mounted
// by several nodes.
func sharesVolume(in stack.Inputs) bool {
	pvc := observedDataClaim(in)
	return pvc == nil || slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany)
}
