package backup

import (
	"encoding/json"
	"maps"
	"strings"
)

// VeleroHook is a command Velero runs in a container of the pod before or after it copies
// the pod's volumes. Velero runs it through the exec API, not in a shell, as the container's
// user (vmware-tanzu/velero site/content/docs/v1.18/backup-hooks.md).
type VeleroHook struct {
	Container string
	Command   []string
	// Timeout is how long Velero waits for it, e.g. "30m"; Velero's default is 30s.
	Timeout string
	// OnError is Fail (the backup fails) or Continue.
	OnError string
}

// VeleroAnnotations are the pod annotations that tell Velero which volumes to copy with its
// file-system backup (backup.velero.io/backup-volumes, and -excludes for volumes it must not
// copy while live, such as PostgreSQL's data directory) and which hooks to run around it
// (site/content/docs/v1.18/file-system-backup.md, backup-hooks.md); merged into existing.
func VeleroAnnotations(existing map[string]string, volumes, excludes []string, pre, post *VeleroHook) map[string]string {
	out := maps.Clone(existing)
	if out == nil {
		out = map[string]string{}
	}
	if len(volumes) > 0 {
		out["backup.velero.io/backup-volumes"] = strings.Join(volumes, ",")
	}
	if len(excludes) > 0 {
		out["backup.velero.io/backup-volumes-excludes"] = strings.Join(excludes, ",")
	}
	for phase, h := range map[string]*VeleroHook{"pre": pre, "post": post} {
		if h == nil {
			continue
		}
		command, err := json.Marshal(h.Command)
		if err != nil {
			panic(err) // a list of strings always marshals
		}
		prefix := phase + ".hook.backup.velero.io/"
		out[prefix+"container"] = h.Container
		out[prefix+"command"] = string(command)
		if h.Timeout != "" {
			out[prefix+"timeout"] = h.Timeout
		}
		if h.OnError != "" {
			out[prefix+"on-error"] = h.OnError
		}
	}
	return out
}
