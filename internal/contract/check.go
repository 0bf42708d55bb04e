package contract

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// UnprivilegedPortSysctl lowers the first port a non-root process may bind. It is the one way
// a non-root container binds a port below 1024 under the restricted Pod Security profile:
// capabilities added to it do not survive a shell or allowPrivilegeEscalation: false
// (no_new_privs ignores file capabilities, and a non-root shell has no ambient ones). A safe
// sysctl since Kubernetes 1.22.
const UnprivilegedPortSysctl = "net.ipv4.ip_unprivileged_port_start"

// Violation is one way a rendered container would not start or serve with its image.
type Violation struct {
	// Workload is "Kind/name" of the object holding the pod template.
	Workload string
	// Container is the container's name; init containers are marked "init:".
	Container string
	// Rule names what was broken, e.g. "privileged-port".
	Rule    string
	Message string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: %s: %s", v.Workload, v.Container, v.Rule, v.Message)
}

// Rendered is what Check looks at: a workspace's rendered objects, the contracts of the images
// they may run, and the Secrets and ConfigMaps that exist without being rendered.
type Rendered struct {
	Objects []*unstructured.Unstructured
	// Contracts by the image reference a container pulls.
	Contracts map[string]Image
	// Provided are the keys of Secrets and ConfigMaps that are not among Objects (generated
	// credentials, Secrets the provider creates), by "Secret/name" or "ConfigMap/name".
	Provided map[string][]string
}

type pod struct {
	workload string
	spec     corev1.PodSpec
}

// Check holds every container of r's workloads to its image's contract and to the rules that
// hold for any container. It returns every violation, in object and container order.
func Check(r Rendered) ([]Violation, error) {
	pods, keys, files, err := index(r)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, p := range pods {
		for _, c := range containers(p.spec) {
			ch := checker{pod: p, c: c, keys: keys, files: files}
			img, ok := r.Contracts[c.Image]
			if !ok {
				ch.report("image", "no contract for image %s: every image a component runs declares one", c.Image)
				out = append(out, ch.found...)
				continue
			}
			ch.img = img
			ch.run()
			out = append(out, ch.found...)
		}
	}
	return out, nil
}

// index converts the objects Check reads and lists the keys of every Secret and ConfigMap and
// the content of every ConfigMap key.
func index(r Rendered) ([]pod, map[string][]string, map[string]string, error) {
	keys := map[string][]string{}
	for k, v := range r.Provided {
		keys[k] = v
	}
	files := map[string]string{}
	var pods []pod
	for _, u := range r.Objects {
		name := u.GetKind() + "/" + u.GetName()
		switch u.GetKind() {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := convert(u, &cm); err != nil {
				return nil, nil, nil, err
			}
			for k, v := range cm.Data {
				keys[name] = append(keys[name], k)
				files[cm.Name+"/"+k] = v
			}
		case "Secret":
			var s corev1.Secret
			if err := convert(u, &s); err != nil {
				return nil, nil, nil, err
			}
			for k := range s.Data {
				keys[name] = append(keys[name], k)
			}
			for k := range s.StringData {
				keys[name] = append(keys[name], k)
			}
		default:
			spec, ok := podSpecs[u.GetKind()]
			if !ok {
				continue
			}
			ps, err := spec(u)
			if err != nil {
				return nil, nil, nil, err
			}
			pods = append(pods, pod{name, ps})
		}
	}
	return pods, keys, files, nil
}

// podSpecs read the pod template of each kind that has one.
var podSpecs = map[string]func(*unstructured.Unstructured) (corev1.PodSpec, error){
	"Deployment":  specOf(func(d *appsv1.Deployment) corev1.PodSpec { return d.Spec.Template.Spec }),
	"StatefulSet": specOf(func(s *appsv1.StatefulSet) corev1.PodSpec { return s.Spec.Template.Spec }),
	"DaemonSet":   specOf(func(d *appsv1.DaemonSet) corev1.PodSpec { return d.Spec.Template.Spec }),
	"Job":         specOf(func(j *batchv1.Job) corev1.PodSpec { return j.Spec.Template.Spec }),
	"CronJob":     specOf(func(j *batchv1.CronJob) corev1.PodSpec { return j.Spec.JobTemplate.Spec.Template.Spec }),
	"Pod":         specOf(func(p *corev1.Pod) corev1.PodSpec { return p.Spec }),
}

func specOf[T any](get func(*T) corev1.PodSpec) func(*unstructured.Unstructured) (corev1.PodSpec, error) {
	return func(u *unstructured.Unstructured) (corev1.PodSpec, error) {
		var obj T
		if err := convert(u, &obj); err != nil {
			return corev1.PodSpec{}, err
		}
		return get(&obj), nil
	}
}

func convert(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("%s/%s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

type container struct {
	corev1.Container
	init bool
}

func containers(spec corev1.PodSpec) []container {
	var out []container
	for _, c := range spec.InitContainers {
		out = append(out, container{c, true})
	}
	for _, c := range spec.Containers {
		out = append(out, container{c, false})
	}
	return out
}

type checker struct {
	pod   pod
	c     container
	img   Image
	keys  map[string][]string
	files map[string]string
	found []Violation
}

func (ch *checker) report(rule, format string, args ...any) {
	name := ch.c.Name
	if ch.c.init {
		name = "init:" + name
	}
	ch.found = append(ch.found, Violation{Workload: ch.pod.workload, Container: name, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (ch *checker) run() {
	ch.checkUser()
	ch.checkPorts()
	ch.checkProbes()
	ch.checkMounts()
	ch.checkWrites()
	ch.checkScripts()
	ch.checkExpansions()
	ch.checkKeys()
}

// uid is the user the container runs as: its own setting, else the pod's; -1 when neither
// says (the image's USER then decides, which the restricted profile's runAsNonRoot cannot
// check for a name).
func (ch *checker) uid() int64 {
	if sc := ch.c.SecurityContext; sc != nil && sc.RunAsUser != nil {
		return *sc.RunAsUser
	}
	if sc := ch.pod.spec.SecurityContext; sc != nil && sc.RunAsUser != nil {
		return *sc.RunAsUser
	}
	return -1
}

func (ch *checker) checkUser() {
	uid := ch.uid()
	if ch.img.UID == AnyUser {
		// An image that owns no file of its own runs as any user; the restricted profile
		// still wants one that is not root.
		if uid <= 0 {
			ch.report("uid", "runs as uid %d; image %s:%s runs as any user, but not as root", uid, ch.img.Component, ch.img.Tag)
		}
		return
	}
	if uid != ch.img.UID {
		ch.report("uid", "runs as uid %d, but image %s:%s runs as and owns its files as uid %d", uid, ch.img.Component, ch.img.Tag, ch.img.UID)
	}
}

// checkPorts: declared ports are ports the image binds, and a port below 1024 bound by a
// non-root user needs the pod's unprivileged-port sysctl at or below it.
func (ch *checker) checkPorts() {
	bound := map[Port]bool{}
	var imagePorts []Port
	for _, p := range ch.img.Ports {
		if p.Env != "" {
			if n, err := strconv.Atoi(ch.envValue(p.Env)); err == nil {
				p.Number = int32(n)
			}
			p.Env = ""
		}
		bound[p] = true
		imagePorts = append(imagePorts, p)
	}
	var all []Port
	for _, p := range ch.c.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port := Port{Number: p.ContainerPort, Protocol: proto}
		if !bound[port] {
			ch.report("port", "declares %s port %d, which image %s:%s does not bind", proto, p.ContainerPort, ch.img.Component, ch.img.Tag)
		}
		all = append(all, port)
	}
	// A container that does not start the image's server (a client, a cron script) binds
	// only what it declares.
	if ch.startsServer() {
		all = append(all, imagePorts...)
	}
	if ch.uid() == 0 {
		return
	}
	start := int32(1024)
	if sc := ch.pod.spec.SecurityContext; sc != nil {
		for _, s := range sc.Sysctls {
			if s.Name == UnprivilegedPortSysctl {
				if n, err := strconv.Atoi(s.Value); err == nil {
					start = int32(n)
				}
			}
		}
	}
	reported := map[int32]bool{}
	for _, p := range all {
		if p.Number < start && !reported[p.Number] {
			reported[p.Number] = true
			ch.report("privileged-port", "binds port %d as uid %d: set the pod sysctl %s to %d or lower (capabilities do not survive a shell or allowPrivilegeEscalation: false)", p.Number, ch.uid(), UnprivilegedPortSysctl, p.Number)
		}
	}
}

func (ch *checker) checkProbes() {
	for _, pr := range []struct {
		kind  string
		probe *corev1.Probe
	}{{"startup", ch.c.StartupProbe}, {"readiness", ch.c.ReadinessProbe}, {"liveness", ch.c.LivenessProbe}} {
		if pr.probe == nil {
			continue
		}
		var port *int32
		var named string
		switch h := pr.probe.ProbeHandler; {
		case h.HTTPGet != nil:
			named, port = portOf(h.HTTPGet.Port.String())
		case h.TCPSocket != nil:
			named, port = portOf(h.TCPSocket.Port.String())
		case h.GRPC != nil:
			port = &h.GRPC.Port
		default:
			continue
		}
		if !slices.ContainsFunc(ch.c.Ports, func(p corev1.ContainerPort) bool {
			return (named != "" && p.Name == named) || (port != nil && p.ContainerPort == *port)
		}) {
			ch.report("probe-port", "%s probe targets port %s, which the container does not declare", pr.kind, firstNonEmpty(named, fmt.Sprint(deref(port))))
		}
	}
}

func portOf(s string) (string, *int32) {
	if n, err := strconv.Atoi(s); err == nil {
		v := int32(n)
		return "", &v
	}
	return s, nil
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (ch *checker) volume(name string) *corev1.Volume {
	for i := range ch.pod.spec.Volumes {
		if ch.pod.spec.Volumes[i].Name == name {
			return &ch.pod.spec.Volumes[i]
		}
	}
	return nil
}

func writable(v *corev1.Volume) bool {
	return v != nil && (v.EmptyDir != nil || v.PersistentVolumeClaim != nil || v.Ephemeral != nil || v.HostPath != nil)
}

func persistent(v *corev1.Volume) bool {
	return v != nil && (v.PersistentVolumeClaim != nil || v.Ephemeral != nil)
}

// under reports whether p lies strictly below dir.
func under(p, dir string) bool {
	return strings.HasPrefix(path.Clean(p), strings.TrimSuffix(path.Clean(dir), "/")+"/")
}

// checkMounts: a mount inside a volume the pod keeps makes the runtime create its mount point
// there as root, and every directory between. On a persistent volume that entry stays and
// belongs to root, so a non-root image cannot write there again (nextcloud/helm#114: a config
// file mounted into config/ on the html volume leaves config/ root-owned and config.php
// unwritable); on a scratch volume only the directories between matter.
func (ch *checker) checkMounts() {
	for _, inner := range ch.c.VolumeMounts {
		for _, outer := range ch.c.VolumeMounts {
			if !under(inner.MountPath, outer.MountPath) {
				continue
			}
			v := ch.volume(outer.Name)
			switch {
			case persistent(v):
				ch.report("nested-mount", "mounts %s inside %s, which lives on volume %s: the runtime creates %s there owned by root", inner.MountPath, outer.MountPath, outer.Name, path.Dir(inner.MountPath))
			case writable(v) && path.Dir(path.Clean(inner.MountPath)) != path.Clean(outer.MountPath):
				ch.report("nested-mount", "mounts %s more than one level inside %s: the runtime creates the directories between owned by root", inner.MountPath, outer.MountPath)
			}
		}
	}
}

// mountFor returns the mount path is on (the deepest that contains it), nil for the root
// filesystem.
func (ch *checker) mountFor(p string) *corev1.VolumeMount {
	var best *corev1.VolumeMount
	for i := range ch.c.VolumeMounts {
		m := &ch.c.VolumeMounts[i]
		if path.Clean(p) == path.Clean(m.MountPath) || under(p, m.MountPath) {
			if best == nil || len(m.MountPath) > len(best.MountPath) {
				best = m
			}
		}
	}
	return best
}

// envValue is the literal value the container sets name to, "" when unset or not literal.
func (ch *checker) envValue(name string) string {
	for _, e := range ch.c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func (ch *checker) env(name string) bool {
	return slices.ContainsFunc(ch.c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
}

// runsEntrypoint reports whether the image's entrypoint runs: the container keeps it, or its
// command calls it.
func (ch *checker) runsEntrypoint() bool {
	if len(ch.c.Command) == 0 {
		return true
	}
	ep := ch.img.Entrypoint.Path
	return ep != "" && slices.ContainsFunc(append(slices.Clone(ch.c.Command), ch.c.Args...), func(a string) bool { return strings.Contains(a, ep) })
}

// startsServer reports whether the container starts the image's server: through its
// entrypoint, or by running one of its server programs from the command or a script.
func (ch *checker) startsServer() bool {
	if ch.runsEntrypoint() {
		return true
	}
	var texts []string
	texts = append(texts, ch.c.Command...)
	texts = append(texts, ch.c.Args...)
	for _, s := range ch.scripts() {
		texts = append(texts, s)
	}
	for _, server := range ch.img.Entrypoint.Servers {
		if slices.ContainsFunc(texts, func(t string) bool { return strings.Contains(t, server) }) {
			return true
		}
	}
	return false
}

// checkWrites: every path the image writes while its server starts is writable for the
// container's user.
func (ch *checker) checkWrites() {
	if !ch.startsServer() {
		return
	}
	readOnlyRoot := ch.c.SecurityContext != nil && ch.c.SecurityContext.ReadOnlyRootFilesystem != nil && *ch.c.SecurityContext.ReadOnlyRootFilesystem
	uid := ch.uid()
	for _, w := range ch.img.Writes {
		if w.When != "" && !ch.env(w.When) {
			continue
		}
		if m := ch.mountFor(w.Path); m != nil {
			if m.ReadOnly || !writable(ch.volume(m.Name)) {
				ch.report("writes", "image writes %s at start (%s), but it is on the read-only mount %s", w.Path, w.Source, m.MountPath)
			}
			continue
		}
		switch {
		case readOnlyRoot:
			ch.report("writes", "image writes %s at start (%s), but the root filesystem is read-only and no volume is mounted there", w.Path, w.Source)
		case w.Owner != AnyUser && w.Owner != uid:
			ch.report("writes", "image writes %s at start (%s), which belongs to uid %d in the image, but the container runs as uid %d", w.Path, w.Source, w.Owner, uid)
		}
	}
}

// kubeletExpansion matches $(VAR) but not the escaped $$(VAR).
var kubeletExpansion = regexp.MustCompile(`(?:^|[^$])\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkExpansions: the kubelet expands $(VAR) in env values only from variables defined
// before, and in command and arguments from any of the container's variables; anything else
// stays literal text.
func (ch *checker) checkExpansions() {
	seen := map[string]bool{}
	for _, e := range ch.c.Env {
		for _, m := range kubeletExpansion.FindAllStringSubmatch(e.Value, -1) {
			if !seen[m[1]] {
				ch.report("env-expansion", "%s refers to $(%s), which is not defined before it", e.Name, m[1])
			}
		}
		seen[e.Name] = true
	}
	for _, a := range append(slices.Clone(ch.c.Command), ch.c.Args...) {
		for _, m := range kubeletExpansion.FindAllStringSubmatch(a, -1) {
			if !seen[m[1]] {
				ch.report("env-expansion", "command refers to $(%s), which the container does not define", m[1])
			}
		}
	}
}
