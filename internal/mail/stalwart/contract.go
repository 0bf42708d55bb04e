package stalwart

import (
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/mail"
)

// Contracts implements contract.Holder for the mail component's engine.
func (Engine) Contracts() []contract.Image {
	ports := []contract.Port{contract.TCP(httpPort)}
	for _, p := range mail.Ports {
		ports = append(ports, contract.TCP(p.Number))
	}
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       "v0.16.18",
		Sources: []string{
			"stalwartlabs/stalwart Dockerfile.build@v0.16.18",
			"stalwartlabs/stalwart crates/common/src/manager/defaults.rs@v0.16.18",
			"stalwartlabs/stalwart crates/common/src/network/listen.rs@v0.16.18",
		},
		// groupadd -g 2000, useradd -u 2000 stalwart; USER stalwart.
		UID: uid,
		// ENTRYPOINT the binary itself; no script.
		Entrypoint: contract.Entrypoint{Path: "/usr/local/bin/stalwart", Servers: []string{"/usr/local/bin/stalwart"}},
		Writes: []contract.Write{
			// The web UI bundle is unpacked below the temporary directory.
			{Path: "/tmp", Owner: contract.AnyUser, Source: "crates/common Application unpack_directory = temp_dir()"},
		},
		// The listeners of defaults.rs that the plan keeps, and 587 that it adds; a listener
		// that fails to bind is logged and skipped, so the pod looks healthy without it
		// (listen.rs bind_and_drop_priv).
		Ports: ports,
	}, {
		Component: CLIReleaseComponent,
		Tag:       "1.0.12",
		Sources: []string{
			"stalwartlabs/cli Dockerfile@b2bbde4c",
			"stalwartlabs/cli CHANGELOG.md@cc0988d5",
			"stalwartlabs/cli src/commands/apply.rs@cc0988d5",
		},
		// distroless static-debian12:nonroot; ENTRYPOINT /usr/local/bin/stalwart-cli.
		UID:        cliUID,
		Entrypoint: contract.Entrypoint{Path: "/usr/local/bin/stalwart-cli"},
	}}
}
