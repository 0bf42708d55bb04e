package opencast

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
)

const (
	searchName  = "rathaus-opensearch"
	searchClaim = "rathaus-opensearch-data"
	searchApp   = "opensearch"
	searchPort  = 9200
	// searchUID is the opensearch user of the official image (opensearch-build
	// docker/release/dockerfiles/opensearch.al2023.dockerfile, uid 1000).
	searchUID = 1000
	// searchClientLabel marks pods that may query the index.
	searchClientLabel = "rathaus.io/search-client"
	// icuPlugin is the analysis plugin Opencast's index mappings use ("Opencast needs the
	// analysis-icu plugin", opencast docs configuration/searchindex); the official image does
	// not bundle it (OpenSearch "Additional plugins"), so the pod installs it at start.
	icuPlugin = "analysis-icu"
)

// renderOpenSearch renders a single-node OpenSearch, as upstream's compose files run it:
// discovery.type single-node, the security plugin disabled (only Opencast's nodes may reach
// it, by network policy), no demo configuration.
func renderOpenSearch(in stack.Inputs, t topology) ([]client.Object, error) {
	image, err := in.Image(OpenSearchImage)
	if err != nil {
		return nil, err
	}
	return []client.Object{
		searchDataClaim(in, t),
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: kit.Meta(in, ComponentName, searchName),
			Spec: corev1.ServiceSpec{
				Selector: kit.PodLabels(in, searchApp),
				Ports:    []corev1.ServicePort{{Name: "http", Port: searchPort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
			},
		},
		searchStatefulSet(in, t, image),
	}, nil
}

// searchDataClaim is its own object, not a volumeClaimTemplate, so that it carries the data
// labels and no owner: the index survives disabling the service like every other data.
func searchDataClaim(in stack.Inputs, t topology) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: kit.DataMeta(in, ComponentName, searchClaim),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: in.StorageClass(),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(t.search.volume)}},
		},
	}
}

// searchReadOnlyRoot is false: the plugin is installed into plugins/ at start, OpenSearch
// creates its keystore in config/ and the JVM writes its GC log to logs/, all below
// /usr/share/opensearch, which the opensearch user owns.
const searchReadOnlyRoot = false

func searchStatefulSet(in stack.Inputs, t topology, image string) *appsv1.StatefulSet {
	health := func(failures int32) *corev1.Probe {
		// local=true: the node's own view, answered once it has joined its (single-node) cluster.
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/_cluster/health?local=true", Port: intstr.FromString("http")}},
			PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: failures,
		}
	}
	labels := kit.PodLabels(in, searchApp)
	return &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: kit.Meta(in, ComponentName, searchName),
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](1),
			ServiceName: searchName,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext:              kit.PodSecurity(searchUID),
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					Containers: []corev1.Container{{
						Name:  "opensearch",
						Image: image,
						// Installs the plugin, then runs the image's entrypoint and command.
						Command: []string{"/bin/sh", "-c", searchStartScript},
						Env: []corev1.EnvVar{
							{Name: "RATHAUS_ICU_PLUGIN", Value: icuPluginSource(in)},
							// The Performance Analyzer agent is a second JVM next to the heap.
							{Name: "DISABLE_PERFORMANCE_ANALYZER_AGENT_CLI", Value: "true"},
							{Name: "discovery.type", Value: "single-node"},
							// Locking memory needs IPC_LOCK; the restricted profile drops it.
							{Name: "bootstrap.memory_lock", Value: "false"},
							{Name: "OPENSEARCH_JAVA_OPTS", Value: "-Xms" + t.search.heap + " -Xmx" + t.search.heap},
							{Name: "DISABLE_INSTALL_DEMO_CONFIG", Value: "true"},
							{Name: "DISABLE_SECURITY_PLUGIN", Value: "true"},
						},
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: searchPort, Protocol: corev1.ProtocolTCP}},
						Resources:       t.search.container.Requirements(),
						SecurityContext: kit.ContainerSecurity(searchReadOnlyRoot),
						StartupProbe:    health(30),
						ReadinessProbe:  health(3),
						LivenessProbe:   health(6),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "data", MountPath: "/usr/share/opensearch/data"},
							{Name: "tmp", MountPath: "/tmp"},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: searchClaim}}},
						kit.EmptyDir("tmp"),
					},
				},
			},
		},
	}
}

// searchStartScript installs analysis-icu into the image's plugins directory, which the
// opensearch user owns, and starts OpenSearch as the image would. This is how the official
// OpenSearch Helm chart installs plugins (charts/opensearch templates/statefulset.yaml,
// plugins.installList); the container's filesystem starts from the image each time, so every
// start installs it again, from the artifact mirror where the platform has one.
const searchStartScript = `set -e
if ! bin/opensearch-plugin list | grep -qx ` + icuPlugin + `; then
  bin/opensearch-plugin install --batch "$RATHAUS_ICU_PLUGIN"
fi
exec ./opensearch-docker-entrypoint.sh opensearch
`

// icuPluginSource is what opensearch-plugin installs: the plugin by name, which it fetches
// from artifacts.opensearch.org and checks against its published checksum and signature, or
// the same release file from the platform's artifact mirror (opensearch-plugin accepts an
// https:// URL; it must be the plugin built for the image's exact version).
func icuPluginSource(in stack.Inputs) string {
	if in.Platform.Spec.Artifacts.Mirror == "" {
		return icuPlugin
	}
	v := ""
	if c, err := images.Find(in.Release, OpenSearchImage); err == nil {
		v = c.Version
	}
	return in.Artifact(fmt.Sprintf("https://artifacts.opensearch.org/releases/plugins/%s/%s/%s-%s.zip", icuPlugin, v, icuPlugin, v))
}
