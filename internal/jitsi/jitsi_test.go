package jitsi

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

// testRelease holds the video components at upstream's current tags: docker-jitsi-meet
// stable-11146-2, jitsi-oidc-adapter v20260328.
func testRelease() *rathausv1alpha1.StackRelease {
	return &rathausv1alpha1.StackRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: rathausv1alpha1.GroupVersion.String(), Kind: "StackRelease"},
		ObjectMeta: metav1.ObjectMeta{Name: "2026.11.0"},
		Spec: rathausv1alpha1.StackReleaseSpec{
			Version:  "2026.11.0",
			Channels: []string{"stable"},
			Components: []rathausv1alpha1.Component{
				{Name: WebImage, Image: "ghcr.io/jitsi/web", Version: "stable-11146-2"},
				{Name: ProsodyImage, Image: "ghcr.io/jitsi/prosody", Version: "stable-11146-2"},
				{Name: JicofoImage, Image: "ghcr.io/jitsi/jicofo", Version: "stable-11146-2"},
				{Name: JVBImage, Image: "ghcr.io/jitsi/jvb", Version: "stable-11146-2"},
				{Name: AdapterImage, Image: "ghcr.io/jitsi-contrib/jitsi-oidc-adapter", Version: "v20260328"},
			},
		},
	}
}

func inputs(mutate ...func(*stack.Inputs)) stack.Inputs {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel", UID: "5f0c6a5e-0000-4000-8000-000000000001"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				DisplayName: "Landeshauptstadt Kiel",
				Domain:      "kiel.de",
				Services: rathausv1alpha1.WorkspaceServices{
					Video: rathausv1alpha1.VideoService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}},
				},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		Release:  testRelease(),
		Identity: &stack.Identity{IssuerURL: "https://id.kiel.de/realms/kiel"},
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func observe(in *stack.Inputs, svc *corev1.Service) {
	in.Observed = map[string]client.Object{stack.Key("Service", in.Workspace.Namespace, MediaService): svc}
}

func loadBalancer(ingress corev1.LoadBalancerIngress) *corev1.Service {
	return &corev1.Service{
		Spec:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Port: defaultMediaPort, NodePort: 30999}}},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{ingress}}},
	}
}

func nodePort(port int32) *corev1.Service {
	return &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: defaultMediaPort, NodePort: port}}}}
}

func renderObjects(t *testing.T, in stack.Inputs) []client.Object {
	t.Helper()
	objs, err := Component{}.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// render turns the objects into YAML as the operator applies them (internal/desired does the same).
func render(t *testing.T, in stack.Inputs) []byte {
	t.Helper()
	return golden.Applied(t, renderObjects(t, in))
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name string
		in   stack.Inputs
	}{
		{name: "sso-S-loadbalancer-pending.yaml", in: inputs()},
		{name: "sso-XL-loadbalancer-observed.yaml", in: inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = rathausv1alpha1.SizeXL
			in.Workspace.Spec.Services.Video.MaxParticipants = 100
			in.Platform.Spec.Video.ServiceAnnotations = map[string]string{"loadbalancer.openstack.org/keep-floatingip": "true"}
			observe(in, loadBalancer(corev1.LoadBalancerIngress{IP: "203.0.113.10"}))
		})},
		{name: "nodeport-observed.yaml", in: inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = rathausv1alpha1.SizeM
			in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
			observe(in, nodePort(31234))
		})},
		{name: "public-rooms.yaml", in: inputs(func(in *stack.Inputs) {
			in.Identity = nil
			in.Workspace.Spec.Services.Video.PublicRooms = true
			in.Workspace.Spec.Services.Video.MaxParticipants = 25
			in.Platform.Spec.Video.AdvertisedAddresses = []string{"198.51.100.7", "2001:db8::7"}
		})},
		{name: "mirror.yaml", in: inputs(func(in *stack.Inputs) {
			in.Workspace.Spec.Size = rathausv1alpha1.SizeL
			in.Workspace.Spec.Services.Video.Host = "video.kiel.de"
			in.Identity = &stack.Identity{IssuerURL: "https://sso.kiel.de:8443/realms/kiel"}
			in.Platform.Spec.Registry.Mirror = "registry.example.eu/mirror"
			in.Platform.Spec.Ingress = rathausv1alpha1.IngressSettings{ClassName: "traefik", ClusterIssuer: "letsencrypt"}
			observe(in, loadBalancer(corev1.LoadBalancerIngress{Hostname: "a1b2.elb.eu-central-1.amazonaws.com"}))
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Assert(t, tt.name, render(t, tt.in))
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	mk := func() stack.Inputs {
		return inputs(func(in *stack.Inputs) {
			in.Platform.Spec.Video.ServiceAnnotations = map[string]string{"b": "2", "a": "1", "c": "3"}
			observe(in, loadBalancer(corev1.LoadBalancerIngress{IP: "203.0.113.10"}))
		})
	}
	first := render(t, mk())
	for range 20 {
		if got := render(t, mk()); !bytes.Equal(got, first) {
			t.Fatalf("rendering the same inputs twice gave different output:\n%s\n---\n%s", first, got)
		}
	}
}

func jvbReplicas(t *testing.T, in stack.Inputs) int32 {
	t.Helper()
	for _, o := range renderObjects(t, in) {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == jvbName {
			return *d.Spec.Replicas
		}
	}
	t.Fatal("no bridge Deployment rendered")
	return 0
}

func TestPending(t *testing.T) {
	const waitLB, waitNodePort = "the load balancer address of Service rathaus-jvb-media", "a node port for Service rathaus-jvb-media"
	nodePortExposure := func(in *stack.Inputs) { in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort }
	advertised := func(in *stack.Inputs) { in.Platform.Spec.Video.AdvertisedAddresses = []string{"198.51.100.7"} }
	tests := []struct {
		name   string
		in     stack.Inputs
		want   string
		render bool // false: video is off, nothing is rendered
	}{
		{name: "video off", in: inputs(func(in *stack.Inputs) { in.Workspace.Spec.Services.Video.Enabled = false })},
		{name: "load balancer not observed yet", in: inputs(), want: waitLB, render: true},
		{name: "load balancer without address", in: inputs(func(in *stack.Inputs) {
			observe(in, &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}})
		}), want: waitLB, render: true},
		{name: "load balancer with IP", in: inputs(func(in *stack.Inputs) { observe(in, loadBalancer(corev1.LoadBalancerIngress{IP: "203.0.113.10"})) }), render: true},
		{name: "load balancer with host name", in: inputs(func(in *stack.Inputs) {
			observe(in, loadBalancer(corev1.LoadBalancerIngress{Hostname: "lb.example.eu"}))
		}), render: true},
		{name: "load balancer, platform addresses", in: inputs(advertised), render: true},
		{name: "node port not observed yet", in: inputs(nodePortExposure), want: waitNodePort, render: true},
		{name: "node port not allocated", in: inputs(nodePortExposure, func(in *stack.Inputs) { observe(in, nodePort(0)) }), want: waitNodePort, render: true},
		{name: "node port out of range", in: inputs(nodePortExposure, func(in *stack.Inputs) { observe(in, nodePort(70000)) }), want: waitNodePort, render: true},
		{name: "node port allocated", in: inputs(nodePortExposure, func(in *stack.Inputs) { observe(in, nodePort(31234)) }), render: true},
		{name: "node port, platform addresses, port unknown", in: inputs(nodePortExposure, advertised), want: waitNodePort, render: true},
		{name: "node port, platform addresses", in: inputs(nodePortExposure, advertised, func(in *stack.Inputs) { observe(in, nodePort(31234)) }), render: true},
		{name: "something else under the Service's key", in: inputs(func(in *stack.Inputs) {
			in.Observed = map[string]client.Object{stack.Key("Service", "kiel", MediaService): &corev1.ConfigMap{}}
		}), want: waitLB, render: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Component{}).Pending(tt.in); got != tt.want {
				t.Errorf("Pending = %q, want %q", got, tt.want)
			}
			if !tt.render {
				if objs := renderObjects(t, tt.in); len(objs) != 0 {
					t.Errorf("video off rendered %d objects", len(objs))
				}
				return
			}
			wantReplicas := int32(1)
			if tt.want != "" {
				wantReplicas = 0
			}
			if got := jvbReplicas(t, tt.in); got != wantReplicas {
				t.Errorf("bridge replicas = %d, want %d", got, wantReplicas)
			}
		})
	}
}

func TestNodePortBecomesTheBridgesPort(t *testing.T) {
	in := inputs(func(in *stack.Inputs) {
		in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposureNodePort
		observe(in, nodePort(31234))
	})
	for _, o := range renderObjects(t, in) {
		switch o := o.(type) {
		case *corev1.Service:
			if o.Name != MediaService {
				continue
			}
			p := o.Spec.Ports[0]
			if o.Spec.Type != corev1.ServiceTypeNodePort || p.NodePort != 31234 || p.TargetPort.IntVal != 31234 {
				t.Errorf("media Service = %+v", o.Spec)
			}
		case *appsv1.Deployment:
			if o.Name != jvbName {
				continue
			}
			c := o.Spec.Template.Spec.Containers[0]
			if c.Ports[0].ContainerPort != 31234 || env(c, "JVB_PORT").Value != "31234" {
				t.Errorf("bridge listens on %d, JVB_PORT=%q", c.Ports[0].ContainerPort, env(c, "JVB_PORT").Value)
			}
			if ref := env(c, "JVB_ADVERTISE_IPS").ValueFrom; ref == nil || ref.FieldRef == nil || ref.FieldRef.FieldPath != "status.hostIP" {
				t.Errorf("JVB_ADVERTISE_IPS = %+v, want the node's address", env(c, "JVB_ADVERTISE_IPS"))
			}
		}
	}
}

func TestPlatformAddressesWin(t *testing.T) {
	in := inputs(func(in *stack.Inputs) {
		in.Platform.Spec.Video.AdvertisedAddresses = []string{"198.51.100.7", "198.51.100.8"}
		observe(in, loadBalancer(corev1.LoadBalancerIngress{IP: "203.0.113.10"}))
	})
	for _, o := range renderObjects(t, in) {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == jvbName {
			if got := env(d.Spec.Template.Spec.Containers[0], "JVB_ADVERTISE_IPS").Value; got != "198.51.100.7,198.51.100.8" {
				t.Errorf("JVB_ADVERTISE_IPS = %q", got)
			}
		}
	}
}

func TestMissingIdentity(t *testing.T) {
	_, err := Component{}.Render(inputs(func(in *stack.Inputs) { in.Identity = nil }))
	if !errors.Is(err, ErrNoIdentity) || err.Error() != "video needs single sign-on unless publicRooms is true" {
		t.Fatalf("err = %v, want ErrNoIdentity", err)
	}
	public := inputs(func(in *stack.Inputs) {
		in.Identity = nil
		in.Workspace.Spec.Services.Video.PublicRooms = true
	})
	if _, err := (Component{}).Render(public); err != nil {
		t.Fatalf("public rooms need no identity, got %v", err)
	}
	off := inputs(func(in *stack.Inputs) {
		in.Identity = nil
		in.Workspace.Spec.Services.Video.Enabled = false
	})
	if objs, err := (Component{}).Render(off); err != nil || len(objs) != 0 {
		t.Fatalf("video off: objs = %d, err = %v", len(objs), err)
	}
}

func TestEndpointAndVersion(t *testing.T) {
	in := inputs()
	name, url, on := Component{}.Endpoint(in)
	if name != "video" || url != "https://meet.kiel.de" || !on {
		t.Errorf("Endpoint = %s %s %v", name, url, on)
	}
	if v := (Component{}).Version(in); v != "stable-11146-2" {
		t.Errorf("Version = %q", v)
	}
	if c := (Component{}).ConditionType(); c != "VideoReady" {
		t.Errorf("ConditionType = %q", c)
	}
}

func env(c corev1.Container, name string) corev1.EnvVar {
	for _, e := range c.Env {
		if e.Name == name {
			return e
		}
	}
	return corev1.EnvVar{}
}

// TestNoSecretValues: credentials reach the pods only as secretKeyRefs, every reference names
// a Secret the component declares (or the OIDC client Secret) and each container reads only
// the Secrets it needs.
func TestNoSecretValues(t *testing.T) {
	for _, in := range []stack.Inputs{inputs(), inputs(func(in *stack.Inputs) {
		in.Identity = nil
		in.Workspace.Spec.Services.Video.PublicRooms = true
	})} {
		declared := map[string][]string{stack.OIDCClientSecret("video"): {"client-id", "client-secret"}}
		for _, s := range (Component{}).Secrets(in) {
			for _, k := range s.Keys {
				declared[s.Name] = append(declared[s.Name], k.Name)
			}
			if len(s.Static) != 0 {
				t.Errorf("Secret %s has static values %v; nothing static is secret here", s.Name, s.Static)
			}
		}
		allowed := map[string][]string{
			"web":          nil,
			"oidc-adapter": {stack.OIDCClientSecret("video"), jwtSecret},
			"prosody":      {jicofoSecret, jvbSecret, jwtSecret},
			"jicofo":       {jicofoSecret},
			"jvb":          {jvbSecret},
		}
		for _, o := range renderObjects(t, in) {
			switch o := o.(type) {
			case *corev1.Secret:
				t.Errorf("Secret %s rendered; generated Secrets are the operator's", o.Name)
			case *corev1.ConfigMap:
				for k, v := range o.Data {
					if l := strings.ToLower(v); strings.Contains(l, "password") || strings.Contains(l, "secret") {
						t.Errorf("ConfigMap %s key %s mentions a credential", o.Name, k)
					}
				}
			case *appsv1.Deployment:
				for _, c := range o.Spec.Template.Spec.Containers {
					for _, e := range c.Env {
						ref := e.ValueFrom
						credential := strings.Contains(e.Name, "PASSWORD") || strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "CLIENT_ID")
						if credential && (e.Value != "" || ref == nil || ref.SecretKeyRef == nil) {
							t.Errorf("%s/%s: %s is not read from a Secret", o.Name, c.Name, e.Name)
						}
						if ref == nil || ref.SecretKeyRef == nil {
							continue
						}
						s := ref.SecretKeyRef
						if !slices.Contains(declared[s.Name], s.Key) {
							t.Errorf("%s/%s: %s reads %s/%s, which nobody declares", o.Name, c.Name, e.Name, s.Name, s.Key)
						}
						if !slices.Contains(allowed[c.Name], s.Name) {
							t.Errorf("%s/%s reads Secret %s, which it does not need", o.Name, c.Name, s.Name)
						}
					}
				}
			}
		}
	}
}

// TestBOSHURLInTheClusterDomain: nginx in the web image resolves the BOSH upstream itself,
// without search domains, so the name carries the platform's cluster domain.
func TestBOSHURLInTheClusterDomain(t *testing.T) {
	for domain, want := range map[string]string{
		"":               "http://rathaus-jitsi-prosody.kiel.svc.cluster.local:5280",
		"corp.internal":  "http://rathaus-jitsi-prosody.kiel.svc.corp.internal:5280",
		"k8s.example.eu": "http://rathaus-jitsi-prosody.kiel.svc.k8s.example.eu:5280",
	} {
		in := inputs(func(in *stack.Inputs) { in.Platform.Spec.Network.ClusterDomain = domain })
		var got string
		for _, obj := range renderObjects(t, in) {
			if d, ok := obj.(*appsv1.Deployment); ok {
				for _, c := range d.Spec.Template.Spec.Containers {
					for _, e := range c.Env {
						if e.Name == "XMPP_BOSH_URL_BASE" {
							got = e.Value
						}
					}
				}
			}
		}
		if got != want {
			t.Errorf("cluster domain %q: XMPP_BOSH_URL_BASE = %q, want %q", domain, got, want)
		}
	}
}
