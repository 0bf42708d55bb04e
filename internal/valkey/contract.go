package valkey

import "github.com/rathaus-io/rathaus/internal/contract"

// Contracts implements contract.Holder.
func (Component) Contracts() []contract.Image {
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       "9.0.4",
		Sources: []string{
			"valkey-io/valkey-container 9.0/debian/Dockerfile@e5c1d23df529a05a9022ba7260d1553011cbf1ad",
			"valkey-io/valkey-container versions.json@00a2b211887fd46775bba37c554167a19783cca4",
			"valkey-io/valkey-container docker-entrypoint.sh@2a80026d",
		},
		// groupadd -r -g 999 valkey; useradd -r -g valkey -u 999 valkey (Debian variant).
		UID: uid,
		// set -e only; as non-root it chowns nothing and (in some revisions) exits when the
		// working directory /data is not writable.
		Entrypoint: contract.Entrypoint{Path: "docker-entrypoint.sh"},
		Writes:     []contract.Write{{Path: "/data", Owner: uid, Source: "docker-entrypoint.sh [ ! -w . ] check, WORKDIR /data"}},
		Ports:      []contract.Port{contract.TCP(Port)},
	}}
}
