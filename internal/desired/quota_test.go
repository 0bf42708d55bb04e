package desired

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// TestEverythingFitsTheQuota renders every tier with every service and checks that all pods
// at once (each Deployment and StatefulSet at its replicas, each Job and CronJob once) and all
// volumes fit the namespace quota the same render sets: otherwise the API server would refuse
// pods and the workspace would never become Ready.
func TestEverythingFitsTheQuota(t *testing.T) {
	for _, c := range quotaCases() {
		size, nodePorts := c.size, c.nodePorts
		t.Run(c.name, func(t *testing.T) {
			in, err := Derive(inputs(func(in *stack.Inputs) {
				if nodePorts {
					in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
					in.Platform.Spec.Mail.Exposure = rathausv1alpha1.MailExposureNodePort
				}
				in.Workspace.Spec.Size = size
				in.Workspace.Spec.Services.Files.Enabled = true
				in.Workspace.Spec.Services.Video.Enabled = true
				in.Workspace.Spec.Services.Mail.Enabled = true
				in.Workspace.Spec.Services.Media.Enabled = true
				in.Platform.Spec.Storage.ReadWriteManyClass = "rwx" // the largest layout: several Nextcloud replicas and Opencast nodes
			}), Components)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := State(in, Components)
			if err != nil {
				t.Fatal(err)
			}
			var hard corev1.ResourceList
			used := corev1.ResourceList{}
			add := func(name corev1.ResourceName, q resource.Quantity, times int64) {
				q.Mul(times)
				sum := used[name]
				sum.Add(q)
				used[name] = sum
			}
			pods := int64(0)
			addPod := func(spec corev1.PodSpec, replicas int64) {
				pods += replicas
				for _, c := range spec.Containers {
					if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
						t.Errorf("container %s has no requests or limits", c.Name)
					}
					add(corev1.ResourceRequestsCPU, *c.Resources.Requests.Cpu(), replicas)
					add(corev1.ResourceRequestsMemory, *c.Resources.Requests.Memory(), replicas)
					add(corev1.ResourceLimitsCPU, *c.Resources.Limits.Cpu(), replicas)
					add(corev1.ResourceLimitsMemory, *c.Resources.Limits.Memory(), replicas)
				}
			}
			for _, u := range objs {
				switch u.GetKind() {
				case "ResourceQuota":
					q := &corev1.ResourceQuota{}
					convert(t, u, q)
					hard = q.Spec.Hard
				case "Deployment":
					d := &appsv1.Deployment{}
					convert(t, u, d)
					addPod(d.Spec.Template.Spec, int64(ptr.Deref(d.Spec.Replicas, 1)))
				case "StatefulSet":
					s := &appsv1.StatefulSet{}
					convert(t, u, s)
					addPod(s.Spec.Template.Spec, int64(ptr.Deref(s.Spec.Replicas, 1)))
				case "Job":
					j := &batchv1.Job{}
					convert(t, u, j)
					addPod(j.Spec.Template.Spec, 1)
				case "CronJob":
					c := &batchv1.CronJob{}
					convert(t, u, c)
					addPod(c.Spec.JobTemplate.Spec.Template.Spec, 1)
				case "Service":
					svc := &corev1.Service{}
					convert(t, u, svc)
					switch svc.Spec.Type {
					case corev1.ServiceTypeLoadBalancer:
						add(corev1.ResourceServicesLoadBalancers, resource.MustParse("1"), 1)
						add(corev1.ResourceServicesNodePorts, *resource.NewQuantity(int64(len(svc.Spec.Ports)), resource.DecimalSI), 1)
					case corev1.ServiceTypeNodePort:
						add(corev1.ResourceServicesNodePorts, *resource.NewQuantity(int64(len(svc.Spec.Ports)), resource.DecimalSI), 1)
					}
				case "PersistentVolumeClaim":
					c := &corev1.PersistentVolumeClaim{}
					convert(t, u, c)
					add(corev1.ResourceRequestsStorage, *c.Spec.Resources.Requests.Storage(), 1)
				}
			}
			add(corev1.ResourcePods, *resource.NewQuantity(pods, resource.DecimalSI), 1)
			if hard == nil {
				t.Fatal("no ResourceQuota rendered")
			}
			for name, u := range used {
				limit, ok := hard[name]
				if !ok {
					t.Errorf("quota has no %s", name)
					continue
				}
				if u.Cmp(limit) > 0 {
					t.Errorf("%s: the stack needs %s, the quota allows %s", name, u.String(), limit.String())
				}
			}
		})
	}
}

type quotaCase struct {
	name      string
	size      rathausv1alpha1.SizeTier
	nodePorts bool
}

// quotaCases are every size tier, with public Services as load balancers and as node ports.
func quotaCases() []quotaCase {
	var out []quotaCase
	for _, size := range []rathausv1alpha1.SizeTier{rathausv1alpha1.SizeS, rathausv1alpha1.SizeM, rathausv1alpha1.SizeL, rathausv1alpha1.SizeXL} {
		out = append(out, quotaCase{name: string(size) + "/LoadBalancer", size: size}, quotaCase{name: string(size) + "/NodePort", size: size, nodePorts: true})
	}
	return out
}

func convert(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		t.Fatal(err)
	}
}

// TestEveryImageComesFromTheReleaseThroughTheMirror: no pod pulls an image that the release
// does not list (hack/releaseimages could not mirror it), and every pull goes through the mirror.
func TestEveryImageComesFromTheReleaseThroughTheMirror(t *testing.T) {
	const mirror = "registry.example.eu/mirror"
	in, err := Derive(inputs(func(in *stack.Inputs) {
		in.Workspace.Spec.Services.Files.Enabled = true
		in.Workspace.Spec.Services.Video.Enabled = true
		in.Workspace.Spec.Services.Media.Enabled = true
		in.Workspace.Spec.Size = rathausv1alpha1.SizeS // media's allinone image
		in.Platform.Spec.Registry.Mirror = mirror
	}), Components)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range in.Release.Spec.Components {
		listed[images.Reference(c, mirror)] = true
	}
	objs, err := State(in, Components)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, u := range objs {
		var walk func(v any)
		walk = func(v any) {
			switch t2 := v.(type) {
			case map[string]any:
				for k, child := range t2 {
					if img, ok := child.(string); ok && k == "image" {
						seen++
						if !listed[img] {
							t.Errorf("%s pulls %s, which the release does not list through the mirror", Key(u), img)
						}
					}
					walk(child)
				}
			case []any:
				for _, child := range t2 {
					walk(child)
				}
			}
		}
		walk(u.Object)
	}
	if seen < 8 {
		t.Fatalf("only %d images found; the test would prove little", seen)
	}
}
