package postgres

import "github.com/rathaus-io/rathaus/internal/contract"

// Contracts implements contract.Holder: the official image the bundled database and its
// setup Job run, and the CloudNativePG operand image whose instance manager CloudNativePG
// starts itself (no container of ours runs it).
func (Component) Contracts() []contract.Image {
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       "17.11",
		Sources: []string{
			"docker-library/postgres 17/trixie/Dockerfile@2603e26e245e558218728ee14e0a42dcb020dc7f",
			"docker-library/postgres 17/trixie/docker-entrypoint.sh@2603e26e245e558218728ee14e0a42dcb020dc7f",
		},
		// useradd --uid=999 postgres; no USER line: as root the entrypoint steps down with
		// gosu, as 999 it chowns nothing.
		UID: uid,
		// set -Eeo pipefail, no -u ("TODO swap to -Eeuo pipefail"); POSTGRES_PASSWORD is
		// checked by docker_verify_minimum_env only on an empty PGDATA.
		Entrypoint: contract.Entrypoint{Path: "docker-entrypoint.sh"},
		Env:        []string{"PGDATA", "PG_MAJOR", "PG_VERSION", "LANG"},
		Writes: []contract.Write{
			// docker_create_db_directories: mkdir -p "$PGDATA"; chmod 00700 on every start.
			{Path: mountPath, Owner: uid, Source: "docker-entrypoint.sh docker_create_db_directories"},
			// The server's socket and lock file.
			{Path: "/var/run/postgresql", Owner: uid, Source: "Dockerfile mkdir -p /var/run/postgresql && chown -R postgres:postgres"},
		},
		Ports: []contract.Port{contract.TCP(Port)},
	}, {
		Component: CloudNativePGReleaseComponent,
		Tag:       "17.11-standard-trixie",
		Sources: []string{
			"cloudnative-pg/postgres-containers Dockerfile@a949ae5871b3685ebd569070fe8657e261328e7f",
			"cloudnative-pg/postgres-containers docker-bake.hcl@a949ae5871b3685ebd569070fe8657e261328e7f",
			"cloudnative-pg/cloudnative-pg docs/src/container_images.md@v1.29.2",
		},
		// usermod -u 26 postgres; USER 26, CloudNativePG's default postgresUID.
		UID: 26,
	}}
}
