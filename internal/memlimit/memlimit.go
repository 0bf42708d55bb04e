// Package memlimit derives the Go runtime's soft memory limit (GOMEMLIMIT) from the memory
// limit of the container the operator runs in. Without one, the garbage collector lets the
// heap grow to twice what is live before it collects, so a container's resident memory is
// about twice its live data; with one, it collects harder as the heap nears the limit, and a
// fleet that fits the limit stays within it instead of being killed.
package memlimit

import (
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// cgroup v2 and v1 files holding the container's limit, as seen from inside it.
const (
	v2Max = "sys/fs/cgroup/memory.max"
	v1Max = "sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// unlimitedV1 is the value cgroup v1 reports for "no limit" (the largest page-aligned int64),
// which some hosts show in the v2 file too; it or more means none.
const unlimitedV1 = math.MaxInt64 &^ (1<<12 - 1)

// FromCgroup returns the memory limit of the process's cgroup in bytes, read from fsys rooted
// at "/"; false when there is none.
func FromCgroup(fsys fs.FS) (int64, bool) {
	for _, name := range []string{v2Max, v1Max} {
		if raw, err := fs.ReadFile(fsys, name); err == nil {
			return parse(raw)
		}
	}
	return 0, false
}

func parse(raw []byte) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "max" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= unlimitedV1 {
		return 0, false
	}
	return n, true
}

// CodeReserve is what a container's limit must hold beside the runtime's memory: the
// operator's code and read-only data, mapped from its binary. The kernel counts these pages
// against the container (they are its working set while they are used), the Go runtime does
// not; about 53 MiB of them were resident at a thousand workspaces (docs/performance.md).
const CodeReserve = 64 << 20

// Soft is the soft limit for a container limit of limit bytes: ratio of it, and at most the
// limit less CodeReserve, so that a small limit still holds the code beside the heap; never
// less than half the limit. A ratio outside (0, 1] gives 0: no soft limit.
func Soft(limit int64, ratio float64) int64 {
	if ratio <= 0 || ratio > 1 || limit <= 0 {
		return 0
	}
	soft := int64(float64(limit) * ratio)
	return max(min(soft, limit-CodeReserve), min(soft, limit/2))
}
