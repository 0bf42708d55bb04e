package contract

import (
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The rule on shell scripts: which scripts a container runs, and what they need under set -u.

// scripts returns the shell scripts the container runs itself: an inline `sh -c` script, and
// scripts it runs from mounted ConfigMaps.
func (ch *checker) scripts() map[string]string {
	out := map[string]string{}
	argv := append(slices.Clone(ch.c.Command), ch.c.Args...)
	for i, a := range argv {
		if a == "-c" && i+1 < len(argv) && i > 0 && isShell(argv[i-1]) {
			out["inline script"] = argv[i+1]
		}
		if file, ok := ch.mountedFile(a); ok {
			out[a] = file
		}
	}
	if !ch.runsEntrypoint() {
		return out
	}
	for _, m := range ch.c.VolumeMounts {
		v := ch.volume(m.Name)
		if v == nil || v.ConfigMap == nil {
			continue
		}
		for file, content := range ch.configMapFiles(v, m) {
			if slices.ContainsFunc(ch.img.Entrypoint.Hooks, func(dir string) bool { return under(file, dir) }) {
				out[file] = content
			}
		}
	}
	return out
}

func isShell(a string) bool {
	base := path.Base(a)
	return base == "sh" || base == "bash" || base == "dash" || base == "ash"
}

// configMapFiles maps the paths at which mount m shows the keys of ConfigMap volume v to
// their content.
func (ch *checker) configMapFiles(v *corev1.Volume, m corev1.VolumeMount) map[string]string {
	out := map[string]string{}
	cm := v.ConfigMap.Name
	if m.SubPath != "" {
		key := m.SubPath
		for _, it := range v.ConfigMap.Items {
			if it.Path == m.SubPath {
				key = it.Key
			}
		}
		if content, ok := ch.files[cm+"/"+key]; ok {
			out[m.MountPath] = content
		}
		return out
	}
	if len(v.ConfigMap.Items) > 0 {
		for _, it := range v.ConfigMap.Items {
			if content, ok := ch.files[cm+"/"+it.Key]; ok {
				out[path.Join(m.MountPath, it.Path)] = content
			}
		}
		return out
	}
	for k, content := range ch.files {
		if name, key, _ := strings.Cut(k, "/"); name == cm {
			out[path.Join(m.MountPath, key)] = content
		}
	}
	return out
}

func (ch *checker) mountedFile(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	for _, m := range ch.c.VolumeMounts {
		v := ch.volume(m.Name)
		if v == nil || v.ConfigMap == nil {
			continue
		}
		if content, ok := ch.configMapFiles(v, m)[path.Clean(p)]; ok {
			return content, true
		}
	}
	return "", false
}

// checkScripts: under `set -u`, every variable a script (or an image function it calls) reads
// without a default is set: by the container, the image's ENV or the script itself.
func (ch *checker) checkScripts() {
	defined := map[string]bool{}
	for _, e := range ch.c.Env {
		defined[e.Name] = true
	}
	for _, e := range append(slices.Clone(ch.img.Env), alwaysSet...) {
		defined[e] = true
	}
	if ch.runsEntrypoint() && ch.img.Entrypoint.Nounset {
		for _, v := range ch.img.Entrypoint.Reads {
			if !defined[v] {
				ch.report("unset-variable", "the image's entrypoint %s runs under set -u and reads %s, which is not set", ch.img.Entrypoint.Path, v)
			}
		}
	}
	scripts := ch.scripts()
	for _, name := range sortedKeys(scripts) {
		script := scripts[name]
		if !Nounset(script) {
			continue
		}
		local := map[string]bool{}
		for _, v := range Assigned(script) {
			local[v] = true
		}
		for _, v := range Unguarded(script) {
			if !defined[v] && !local[v] {
				ch.report("unset-variable", "%s runs under set -u and reads %s, which is not set", name, v)
			}
		}
		for _, fn := range sortedKeys(ch.img.Functions) {
			if !Calls(script, fn) {
				continue
			}
			for _, v := range ch.img.Functions[fn] {
				if !defined[v] && !local[v] {
					ch.report("unset-variable", "%s runs under set -u and calls the image's %s, which reads %s without a default; it is not set", name, fn, v)
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
