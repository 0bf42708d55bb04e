package contract

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// The rule on Secret and ConfigMap keys: a container reads only keys that exist.

// checkKeys: every key the container reads from a Secret or ConfigMap exists.
func (ch *checker) checkKeys() {
	has := func(kind, name, key string) bool {
		return slices.Contains(ch.keys[kind+"/"+name], key)
	}
	exists := func(kind, name string) bool { _, ok := ch.keys[kind+"/"+name]; return ok }
	for _, e := range ch.c.Env {
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil && !(r.Optional != nil && *r.Optional) && !has("Secret", r.Name, r.Key) {
			ch.report("missing-key", "%s reads key %s of Secret %s, which nothing renders or provides", e.Name, r.Key, r.Name)
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !(r.Optional != nil && *r.Optional) && !has("ConfigMap", r.Name, r.Key) {
			ch.report("missing-key", "%s reads key %s of ConfigMap %s, which nothing renders", e.Name, r.Key, r.Name)
		}
	}
	for _, ef := range ch.c.EnvFrom {
		if r := ef.SecretRef; r != nil && !(r.Optional != nil && *r.Optional) && !exists("Secret", r.Name) {
			ch.report("missing-key", "reads all of Secret %s, which nothing renders or provides", r.Name)
		}
		if r := ef.ConfigMapRef; r != nil && !(r.Optional != nil && *r.Optional) && !exists("ConfigMap", r.Name) {
			ch.report("missing-key", "reads all of ConfigMap %s, which nothing renders", r.Name)
		}
	}
	for _, m := range ch.c.VolumeMounts {
		v := ch.volume(m.Name)
		if v == nil {
			ch.report("missing-key", "mounts volume %s, which the pod does not define", m.Name)
			continue
		}
		ch.checkVolumeKeys(v, m, has, exists)
	}
}

func (ch *checker) checkVolumeKeys(v *corev1.Volume, m corev1.VolumeMount, has func(kind, name, key string) bool, exists func(kind, name string) bool) {
	var kind, name string
	var items []corev1.KeyToPath
	switch {
	case v.ConfigMap != nil && !(v.ConfigMap.Optional != nil && *v.ConfigMap.Optional):
		kind, name, items = "ConfigMap", v.ConfigMap.Name, v.ConfigMap.Items
	case v.Secret != nil && !(v.Secret.Optional != nil && *v.Secret.Optional):
		kind, name, items = "Secret", v.Secret.SecretName, v.Secret.Items
	default:
		return
	}
	if !exists(kind, name) {
		ch.report("missing-key", "volume %s is %s %s, which nothing renders or provides", v.Name, kind, name)
		return
	}
	for _, it := range items {
		if !has(kind, name, it.Key) {
			ch.report("missing-key", "volume %s projects key %s of %s %s, which it does not have", v.Name, it.Key, kind, name)
		}
	}
	if m.SubPath != "" && len(items) == 0 && !has(kind, name, m.SubPath) {
		ch.report("missing-key", "mounts %s from key %s of %s %s, which it does not have", m.MountPath, m.SubPath, kind, name)
	}
}
