package backup

import (
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// resticTag is the restic release the contract was read at.
const resticTag = "0.19.1"

// Contracts implements contract.Holder: restic's image runs as whoever the pod says (no USER
// in docker/Dockerfile.release), with busybox sh and restic at /usr/bin/restic. Its entrypoint
// only wraps restic in nice/ionice; the backup's container runs its own script instead. As a
// non-root user restic 0.19 refuses to run without a writable cache
// (internal/global/global.go: setupCache), which the pod gives it in RESTIC_CACHE_DIR
// (TestResticHasAWritableCache).
func (Component) Contracts() []contract.Image {
	src := func(path string) string { return "restic/restic " + path + "@v" + resticTag }
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       resticTag,
		Sources: []string{
			src("docker/Dockerfile.release"), src("docker/entrypoint.sh"), src("internal/global/global.go"),
			src("doc/075_scripting.rst"),
		},
		UID:        contract.AnyUser,
		Entrypoint: contract.Entrypoint{Path: "/entrypoint.sh", Servers: []string{"restic"}},
		Env:        []string{"IONICE_CLASS", "IONICE_PRIORITY", "NICE"},
		Writes:     []contract.Write{{Path: "/tmp", Owner: contract.AnyUser, Source: "alpine /tmp (1777), restic's TMPDIR default"}},
	}, OperatorContract}
}

// OperatorContract is the operator's own image (Dockerfile: distroless static, USER
// 65532:65532, ENTRYPOINT ["/manager"]), which the credentials' restore Job runs with the
// restore-credentials subcommand: it writes no file and binds no port.
// TestOperatorContractFollowsTheDockerfile holds it to the Dockerfile.
var OperatorContract = contract.Image{
	Component:  stack.OperatorComponent,
	Tag:        "the operator's own build",
	Sources:    []string{"rathaus-io/rathaus Dockerfile@this commit", "rathaus-io/rathaus cmd/restore_credentials.go@this commit"},
	UID:        65532,
	Entrypoint: contract.Entrypoint{Path: "/manager", Servers: []string{"manager"}},
}
