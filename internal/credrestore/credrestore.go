// Package credrestore puts a workspace's generated credentials back from a restored backup of
// its Credentials store. The restore's Job runs it in the operator's own image, after restic
// has restored the store into a scratch directory (docs/backup.md, "A new cluster").
package credrestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// maxValue bounds what is read of one restored file: a Secret holds at most 1 MiB in all.
const maxValue = 1 << 20

// validKey is what Kubernetes accepts as a key of a Secret's data (IsConfigMapKey).
var validKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// Read reads dir/<secret>/<key> for each named Secret: the layout the backup's projected
// volume gave the store. restic restores that volume as the kubelet wrote it, the visible
// entries being symlinks into a hidden timestamped directory, so each path is resolved and
// must stay inside dir. A Secret or key the backup lacks is left out: the operator keeps what
// it generated for it.
func Read(dir string, secrets []string) (map[string]map[string][]byte, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]byte{}
	for _, name := range secrets {
		sdir, err := inside(root, filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		entries, err := os.ReadDir(sdir)
		if err != nil {
			return nil, fmt.Errorf("secret %s: %w", name, err)
		}
		for _, e := range entries {
			key := e.Name()
			if strings.HasPrefix(key, "..") || !validKey.MatchString(key) || len(key) > 253 {
				continue // the kubelet's own entries, or nothing a Secret could hold
			}
			value, err := readValue(root, filepath.Join(sdir, key))
			if err != nil {
				return nil, fmt.Errorf("secret %s, key %s: %w", name, key, err)
			}
			if value == nil {
				continue
			}
			if out[name] == nil {
				out[name] = map[string][]byte{}
			}
			out[name][key] = value
		}
	}
	return out, nil
}

// inside resolves path and refuses it when it leads out of root.
func inside(root, path string) (string, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if resolved != root && !strings.HasPrefix(resolved, root+string(filepath.Separator)) {
		return "", fmt.Errorf("%s leads out of the restored directory", path)
	}
	return resolved, nil
}

// readValue reads a regular file inside root; nil for anything else (a directory).
func readValue(root, path string) ([]byte, error) {
	resolved, err := inside(root, path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(resolved)
	if err != nil || !info.Mode().IsRegular() {
		return nil, err
	}
	if info.Size() > maxValue {
		return nil, fmt.Errorf("%d bytes, more than a Secret holds", info.Size())
	}
	return os.ReadFile(resolved)
}

// Apply gives each restored key of each Secret in namespace its restored value, keeping the
// Secret's other keys, labels and owner, and returns the Secrets it changed, sorted. Every
// Secret must exist: the operator creates the workspace's generated Secrets before it renders
// the restore's Job, and this Job's Role lets it read and update exactly those.
func Apply(ctx context.Context, c client.Client, namespace string, restored map[string]map[string][]byte) ([]string, error) {
	var changed []string
	for _, name := range slices.Sorted(maps.Keys(restored)) {
		var updated bool
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := &corev1.Secret{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
				return err
			}
			updated = false
			for _, key := range slices.Sorted(maps.Keys(restored[name])) {
				if value := restored[name][key]; string(s.Data[key]) != string(value) {
					if s.Data == nil {
						s.Data = map[string][]byte{}
					}
					s.Data[key], updated = value, true
				}
			}
			if !updated {
				return nil
			}
			return c.Update(ctx, s)
		})
		if err != nil {
			return changed, fmt.Errorf("secret %s: %w", name, err)
		}
		if updated {
			changed = append(changed, name)
		}
	}
	return changed, nil
}
