package jitsi

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/apply"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// FuzzRender renders arbitrary hosts, room settings, exposures and observed media Services:
// Render must not panic, and every object must be applicable (kind, name, namespace).
func FuzzRender(f *testing.F) {
	f.Add("meet.kiel.de", false, int32(0), "LoadBalancer", int32(0), "203.0.113.10", true)
	f.Add("", true, int32(25), "NodePort", int32(31234), "", false)
	f.Add("video.kiel.de", true, int32(-3), "NodePort", int32(-1), "lb.example.eu", true)
	f.Add("x", false, int32(1000), "Bogus", int32(70000), "", true)
	f.Fuzz(func(t *testing.T, host string, public bool, maxParticipants int32, exposure string, observedPort int32, lbAddress string, identity bool) {
		in := inputs(func(in *stack.Inputs) {
			v := &in.Workspace.Spec.Services.Video
			v.Host, v.PublicRooms, v.MaxParticipants = host, public, maxParticipants
			in.Platform.Spec.Video.Exposure = rathausv1alpha1.MediaExposure(exposure)
			if !identity {
				in.Identity = nil
			}
			svc := nodePort(observedPort)
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: lbAddress}}
			observe(in, svc)
		})
		objs, err := Component{}.Render(in)
		if err != nil {
			if public || identity {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		_ = (Component{}).Pending(in)
		for _, o := range objs {
			u, err := apply.Prepare(o)
			if err != nil {
				t.Fatal(err)
			}
			if u.GetKind() == "" || u.GetName() == "" || u.GetNamespace() == "" {
				t.Fatalf("object without kind, name or namespace: %s %q/%q", u.GetKind(), u.GetNamespace(), u.GetName())
			}
		}
	})
}
