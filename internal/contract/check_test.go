package contract

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

const testImage = "registry.example.eu/app:1.0"

func testContract() Image {
	return Image{
		Component:  "app",
		Tag:        "1.0",
		UID:        100,
		Entrypoint: Entrypoint{Path: "/entrypoint.sh", Nounset: true, Reads: []string{"APP_DB"}, Servers: []string{"bin/app-server"}, Hooks: []string{"/hooks.d"}},
		Env:        []string{"APP_HOME"},
		Functions:  map[string][]string{"app_configure": {"APP_SEARCH_USER"}},
		Writes: []Write{
			{Path: "/app/data", Owner: 100, Source: "entrypoint.sh"},
			{Path: "/etc/app/session.ini", Owner: 0, When: "APP_CACHE", Source: "entrypoint.sh"},
			{Path: "/tmp", Owner: AnyUser, Source: "entrypoint.sh"},
		},
		Ports: []Port{TCP(8080), {Number: 10000, Protocol: corev1.ProtocolUDP, Env: "APP_MEDIA_PORT"}},
	}
}

// good is a pod that honours testContract; each case breaks one thing.
func good() (*appsv1.Deployment, *corev1.ConfigMap) {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "app"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](100)},
			Containers: []corev1.Container{{
				Name:  "app",
				Image: testImage,
				Env: []corev1.EnvVar{
					{Name: "APP_DB", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "host"}}},
					{Name: "POD", Value: "x"},
					{Name: "URL", Value: "http://$(POD):8080"},
				},
				Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}}},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "data", MountPath: "/app/data"},
					{Name: "config", MountPath: "/etc/app/app.conf", SubPath: "app.conf", ReadOnly: true},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "config"}}}},
			},
		}}},
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "config"},
		Data:       map[string]string{"app.conf": "x=1", "start.sh": "#!/bin/sh\nset -eu\nexec app --home \"$APP_HOME\" --db \"$APP_DB\"\n"},
	}
	return d, cm
}

func check(t *testing.T, d *appsv1.Deployment, cm *corev1.ConfigMap, mutate ...func(*Image)) []Violation {
	t.Helper()
	img := testContract()
	for _, m := range mutate {
		m(&img)
	}
	var objs []*unstructured.Unstructured
	for _, o := range []runtime.Object{d, cm} {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	v, err := Check(Rendered{
		Objects:   objs,
		Contracts: map[string]Image{testImage: img},
		Provided:  map[string][]string{"Secret/db": {"host"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCheck(t *testing.T) {
	c := func(d *appsv1.Deployment) *corev1.Container { return &d.Spec.Template.Spec.Containers[0] }
	startScript := func(d *appsv1.Deployment, cm *corev1.ConfigMap, script string) {
		cm.Data["start.sh"] = script
		c(d).Command = []string{"/bin/sh", "/start/start.sh"}
		c(d).VolumeMounts = append(c(d).VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/start", ReadOnly: true})
	}
	tests := []struct {
		name   string
		break_ func(*appsv1.Deployment, *corev1.ConfigMap)
		rule   string // "" when the change is fine
		say    string
		img    func(*Image) // a change of the contract, if any
	}{
		{name: "as contracted", break_: func(*appsv1.Deployment, *corev1.ConfigMap) {}},
		{name: "unknown image", rule: "image", say: "no contract", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) { c(d).Image = "other:1" }},
		{name: "other uid", rule: "uid", say: "uid 33", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			d.Spec.Template.Spec.SecurityContext.RunAsUser = ptr.To[int64](33)
		}},
		{name: "container uid wins", rule: "uid", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).SecurityContext = &corev1.SecurityContext{RunAsUser: ptr.To[int64](0)}
		}},
		{name: "an image of any user runs as another", img: func(i *Image) { i.UID = AnyUser }, break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			d.Spec.Template.Spec.SecurityContext.RunAsUser = ptr.To[int64](33)
		}},
		{name: "an image of any user runs as root", rule: "uid", say: "not as root", img: func(i *Image) { i.UID = AnyUser }, break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			d.Spec.Template.Spec.SecurityContext.RunAsUser = ptr.To[int64](0)
		}},
		{name: "port the image does not bind", rule: "port", say: "9090", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Ports = append(c(d).Ports, corev1.ContainerPort{ContainerPort: 9090})
		}},
		{name: "a configured port", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env = append(c(d).Env, corev1.EnvVar{Name: "APP_MEDIA_PORT", Value: "31000"})
			c(d).Ports = append(c(d).Ports, corev1.ContainerPort{ContainerPort: 31000, Protocol: corev1.ProtocolUDP})
		}},
		{name: "a configured port declared with another number", rule: "port", say: "31001", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env = append(c(d).Env, corev1.EnvVar{Name: "APP_MEDIA_PORT", Value: "31000"})
			c(d).Ports = append(c(d).Ports, corev1.ContainerPort{ContainerPort: 31001, Protocol: corev1.ProtocolUDP})
		}},
		{name: "privileged port without sysctl", rule: "privileged-port", say: "port 25", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Ports = append(c(d).Ports, corev1.ContainerPort{ContainerPort: 25})
			c(d).SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE"}}}
		}},
		{name: "the image's privileged port, its server started", rule: "privileged-port", say: "port 443", img: func(i *Image) { i.Ports = append(i.Ports, TCP(443)) },
			break_: func(*appsv1.Deployment, *corev1.ConfigMap) {}},
		{name: "the image's privileged port, a one-off command", img: func(i *Image) { i.Ports = append(i.Ports, TCP(443)) },
			break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) { c(d).Command = []string{"app-cli", "status"} }},
		{name: "privileged port with sysctl above it", rule: "privileged-port", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Ports = append(c(d).Ports, corev1.ContainerPort{ContainerPort: 25})
			d.Spec.Template.Spec.SecurityContext.Sysctls = []corev1.Sysctl{{Name: UnprivilegedPortSysctl, Value: "80"}}
		}},
		{name: "probe on an undeclared port", rule: "probe-port", say: "metrics", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("metrics")}}}
		}},
		{name: "file mounted into the data volume", rule: "nested-mount", say: "owned by root", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).VolumeMounts = append(c(d).VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/app/data/config/app.conf", SubPath: "app.conf"})
		}},
		{name: "deep mount in a scratch volume", rule: "nested-mount", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			d.Spec.Template.Spec.Volumes = append(d.Spec.Template.Spec.Volumes, corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
			c(d).VolumeMounts = append(c(d).VolumeMounts,
				corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"},
				corev1.VolumeMount{Name: "config", MountPath: "/tmp/a/app.conf", SubPath: "app.conf"})
		}},
		{name: "conditional write to a root-owned path", rule: "writes", say: "belongs to uid 0", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env = append(c(d).Env, corev1.EnvVar{Name: "APP_CACHE", Value: "valkey"})
		}},
		{name: "write under a read-only root", rule: "writes", say: "read-only", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).SecurityContext = &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true)}
		}},
		{name: "write to a read-only mount", rule: "writes", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).VolumeMounts[0].ReadOnly = true
		}},
		{name: "a one-off command does not start the server", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Command = []string{"app-cli", "status"}
			c(d).SecurityContext = &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true)}
		}},
		{name: "a script that starts the server writes", rule: "writes", say: "read-only", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			startScript(d, cm, "#!/bin/sh\nset -e\nexec bin/app-server\n")
			c(d).SecurityContext = &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true)}
		}},
		{name: "entrypoint variable missing", rule: "unset-variable", say: "APP_DB", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env = c(d).Env[1:]
			c(d).Env[1].Value = "http://$(POD):8080"
		}},
		{name: "entrypoint replaced: its variables do not matter", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env = c(d).Env[1:]
			c(d).Command = []string{"app"}
		}},
		{name: "own script under set -u reads an unset variable", rule: "unset-variable", say: "APP_NAME", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			startScript(d, cm, "#!/bin/sh\nset -eu\necho \"$APP_HOME\" \"${APP_NAME}\" \"${APP_OPT:-none}\" '$QUOTED'\nX=1; echo $X\n")
		}},
		{name: "own script under set -u calls an image function", rule: "unset-variable", say: "app_configure", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			startScript(d, cm, "set -eu\n. \"$APP_HOME/functions.sh\"\napp_configure\n")
		}},
		{name: "own script under set -e only", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			startScript(d, cm, "set -e\n. \"$APP_HOME/functions.sh\"\napp_configure\necho \"$APP_NAME\"\n")
		}},
		{name: "hook the entrypoint runs", rule: "unset-variable", say: "HOOK_VAR", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			cm.Data["hook.sh"] = "#!/bin/sh\nset -eu\necho \"$HOOK_VAR\"\n"
			c(d).VolumeMounts = append(c(d).VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/hooks.d/start/hook.sh", SubPath: "hook.sh"})
		}},
		{name: "script mounted but not run", break_: func(d *appsv1.Deployment, cm *corev1.ConfigMap) {
			cm.Data["hook.sh"] = "#!/bin/sh\nset -eu\necho \"$HOOK_VAR\"\n"
			c(d).VolumeMounts = append(c(d).VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/scripts", ReadOnly: true})
		}},
		{name: "inline script", rule: "unset-variable", say: "inline script", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Command = []string{"/bin/sh", "-c", "set -euo pipefail\nexec app \"$NOPE\""}
		}},
		{name: "expansion of a later variable", rule: "env-expansion", say: "$(URL)", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env[1].Value = "$(URL)"
		}},
		{name: "escaped expansion", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env[1].Value = "$$(URL)"
		}},
		{name: "missing Secret key", rule: "missing-key", say: "key port", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).Env[0].ValueFrom.SecretKeyRef.Key = "port"
		}},
		{name: "missing ConfigMap key by subPath", rule: "missing-key", say: "other.conf", break_: func(d *appsv1.Deployment, _ *corev1.ConfigMap) {
			c(d).VolumeMounts[1].SubPath = "other.conf"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cm := good()
			tt.break_(d, cm)
			var mutate []func(*Image)
			if tt.img != nil {
				mutate = append(mutate, tt.img)
			}
			got := check(t, d, cm, mutate...)
			if tt.rule == "" {
				if len(got) != 0 {
					t.Fatalf("want no violation, got %v", got)
				}
				return
			}
			for _, v := range got {
				if v.Rule == tt.rule && strings.Contains(v.String(), tt.say) {
					return
				}
			}
			t.Fatalf("want a %q violation saying %q, got %v", tt.rule, tt.say, got)
		})
	}
}

func TestUnguarded(t *testing.T) {
	script := "set -eu\n# $COMMENTED\necho \"$A\" ${B} ${C:-x} ${D-x} ${E:+x} ${F:=x} '$G' \\$H $1 $@ ${#I} \"${J}\"\nK=1 $K\nfor L in a; do :; done\n"
	if got, want := strings.Join(Unguarded(script), ","), "A,B,I,J,K"; got != want {
		t.Errorf("Unguarded = %s, want %s", got, want)
	}
	if got, want := strings.Join(Assigned(script), ","), "K,L"; got != want {
		t.Errorf("Assigned = %s, want %s", got, want)
	}
	for script, want := range map[string]bool{"set -eu": true, "set -euo pipefail": true, "  set -o nounset": true, "set -e": false, "set -eo pipefail": false, "echo set -u": false} {
		if got := Nounset(script); got != want {
			t.Errorf("Nounset(%q) = %v, want %v", script, got, want)
		}
	}
	if !Calls("a\nfoo_bar\n", "foo_bar") || Calls("foo_bar() {\n:\n}\n", "foo_bar") || Calls("foo_barx", "foo_bar") {
		t.Error("Calls misreads function calls")
	}
}
