package keycloak

import "github.com/rathaus-io/rathaus/internal/contract"

// Contracts implements contract.Holder. Keycloak's own repository is larger than what could
// be read at the tag; its facts come from the container guide and kc.sh at the commits cited.
func (Component) Contracts() []contract.Image {
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       "26.5.4",
		Sources: []string{
			"keycloak/keycloak quarkus/container/Dockerfile@0463815bc93acbe22cf0b347af7cbd11e5a56d65",
			"keycloak/keycloak docs/guides/server/containers.adoc@110a62421652e631dc667d8d9584dd52d101f96a",
			"keycloak/keycloak quarkus/dist/src/main/content/bin/kc.sh@014f6c38",
		},
		// USER 1000; /opt/keycloak copied --chown=1000:0.
		UID: uid,
		// kc.sh has no set -u; every variable is tested with "x$VAR" or a default.
		Entrypoint: contract.Entrypoint{Path: "/opt/keycloak/bin/kc.sh"},
		Writes: []contract.Write{
			// start without --optimized re-augments with the build options of the
			// environment (KC_DB, KC_HEALTH_ENABLED, ...) into lib/quarkus on every start.
			{Path: "/opt/keycloak/lib/quarkus", Owner: uid, Source: "kc.sh -Dkc.config.build-and-exit=true unless --optimized"},
			{Path: "/opt/keycloak/data", Owner: uid, Source: "docs/guides/server/directory-structure.adoc data/tmp"},
		},
		// http-enabled on 8080, the management interface (health, metrics) on 9000.
		Ports: []contract.Port{contract.TCP(httpPort), contract.TCP(managementPort)},
	}, {
		Component: ConfigReleaseComponent,
		Tag:       "6.5.0-26.5.4",
		Sources: []string{
			"adorsys/keycloak-config-cli Dockerfile@v6.5.0",
			"adorsys/keycloak-config-cli src/main/resources/application.properties@v6.5.0",
		},
		// USER 65534; ENTRYPOINT exec java $JAVA_OPTS -jar /app/keycloak-config-cli.jar
		// (shell form, no set -u); a command would drop the jar invocation.
		UID:        configUID,
		Entrypoint: contract.Entrypoint{Path: "/app/keycloak-config-cli.jar"},
		Env:        []string{"JAVA_OPTS", "KEYCLOAK_SSL_VERIFY", "IMPORT_FILES_LOCATIONS"},
		// The JVM's hsperfdata; nothing else (spring.main.web-application-type=NONE).
		Writes: []contract.Write{{Path: "/tmp", Owner: contract.AnyUser, Source: "JVM hsperfdata"}},
	}}
}
