package jitsi

import "github.com/rathaus-io/rathaus/internal/contract"

// djm cites a file of docker-jitsi-meet at the pinned tag.
func djm(path string) string { return "jitsi/docker-jitsi-meet " + path + "@stable-11146-2" }

// s6Writes are what every docker-jitsi-meet image writes at start, with s6-overlay's
// S6_READ_ONLY_ROOT=1 (base/Dockerfile): its run-time state and each image's rendered
// configuration below /run (scripts/config: cp -r /config/. /run/<image>/config, tpl), and
// /tmp. /config is only read.
func s6Writes() []contract.Write {
	return []contract.Write{
		{Path: "/run", Owner: 0, Source: djm("base/Dockerfile ENV S6_READ_ONLY_ROOT=1")},
		{Path: "/tmp", Owner: contract.AnyUser, Source: djm("base-java jicofo.sh/jvb.sh -XX:HeapDumpPath=/tmp")},
	}
}

// jitsiImage is the contract shared by the four docker-jitsi-meet images: rootless since
// stable-11146 as the s6 user (base/Dockerfile adduser s6, USER s6: uid 1000, the first
// regular user on debian trixie-slim), s6-overlay's /init as entrypoint, no script under
// set -u (missing required variables end in "FATAL ERROR" checks instead, which the
// renderer's tests cover per image).
func jitsiImage(component, dockerfile string, ports []contract.Port, writes ...contract.Write) contract.Image {
	return contract.Image{
		Component:  component,
		Tag:        "stable-11146-2",
		Sources:    []string{djm("base/Dockerfile"), djm(dockerfile)},
		UID:        uid,
		Entrypoint: contract.Entrypoint{Path: "/init"},
		Writes:     append(s6Writes(), writes...),
		Ports:      ports,
	}
}

// Contracts implements contract.Holder.
func (Component) Contracts() []contract.Image {
	return []contract.Image{
		// EXPOSE 8000 8443; 8443 only without DISABLE_HTTPS (rootfs/defaults/default).
		jitsiImage(WebImage, "web/Dockerfile", []contract.Port{contract.TCP(webPort)}),
		// EXPOSE 5222 5280; s2s and components off (prosody.cfg.lua); scripts/config
		// check-writable /var/lib/prosody.
		jitsiImage(ProsodyImage, "prosody/Dockerfile", []contract.Port{contract.TCP(c2sPort), contract.TCP(boshPort)},
			contract.Write{Path: "/var/lib/prosody", Owner: uid, Source: djm("prosody/rootfs/etc/s6-overlay/s6-rc.d/10-config/script check-writable /var/lib/prosody")}),
		// REST on 8888 (jicofo reference.conf rest.port; host 0.0.0.0 with JICOFO_ENABLE_REST).
		jitsiImage(JicofoImage, "jicofo/Dockerfile", []contract.Port{contract.TCP(jicofoRESTPort)}),
		// ice.udp.port = JVB_PORT (jvb.conf), the private HTTP server on 8080.
		jitsiImage(JVBImage, "jvb/Dockerfile", []contract.Port{{Number: 10000, Protocol: "UDP", Env: "JVB_PORT"}, contract.TCP(jvbHTTPPort)}),
		{
			Component: AdapterImage,
			Tag:       "v20260328",
			Sources: []string{
				"jitsi-contrib/jitsi-oidc-adapter Dockerfile@v20260328",
				"jitsi-contrib/jitsi-oidc-adapter docker-entrypoint.sh@v20260328",
				"denoland/deno_docker debian.dockerfile@9cb716ef",
			},
			// USER deno, useradd --uid 1993 in the deno base image.
			UID: adapterUID,
			// exec deno run ... /app/adapter.ts; every variable has a default (config.ts).
			Entrypoint: contract.Entrypoint{Path: "docker-entrypoint.sh"},
			Env:        []string{"DENO_DIR", "HOSTNAME", "PORT"},
			// EXPOSE 9000; ENV HOSTNAME=0.0.0.0 PORT=9000.
			Ports: []contract.Port{{Number: adapterPort, Protocol: "TCP", Env: "PORT"}},
		},
	}
}
