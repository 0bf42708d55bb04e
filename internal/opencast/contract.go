package opencast

import "github.com/rathaus-io/rathaus/internal/contract"

// ocDocker cites a file of opencast-docker at the pinned release (branch 20.0).
func ocDocker(path string) string { return "opencast/opencast-docker " + path + "@20.0" }

// opencastImage is the contract every Opencast role's image shares; only
// OPENCAST_DISTRIBUTION differs between them (opencast-docker Dockerfile).
func opencastImage(component string) contract.Image {
	return contract.Image{
		Component: component,
		Tag:       "20.0",
		Sources: []string{
			ocDocker("Dockerfile"),
			ocDocker("rootfs/docker-entrypoint.sh"),
			ocDocker("rootfs/opencast/docker/scripts/elasticsearch.sh"),
			ocDocker("rootfs/opencast/docker/scripts/helper.sh"),
		},
		// OPENCAST_UID 800; the image starts as root and steps down with gosu, which the
		// pod replaces by running as 800 itself.
		UID: uid,
		// set -e only; it needs root (update-ca-certificates, gosu), so the pod runs
		// start.sh instead and calls the image's functions.
		Entrypoint: contract.Entrypoint{Path: "/docker-entrypoint.sh", Servers: []string{"bin/start-opencast"}},
		Env: []string{
			"OPENCAST_HOME", "OPENCAST_DATA", "OPENCAST_CONFIG", "OPENCAST_SCRIPTS", "OPENCAST_CUSTOM_CONFIG",
			"OPENCAST_USER", "OPENCAST_GROUP", "OPENCAST_UHOME", "OPENCAST_DISTRIBUTION", "OPENCAST_VERSION",
		},
		// helper.sh opencast_helper_checkforvariables and replaceinfile read each name with
		// eval "\$$var", without a default; elasticsearch.sh tests the same names bare.
		Functions: map[string][]string{
			"opencast_opencast_check":          {"ORG_OPENCASTPROJECT_SECURITY_ADMIN_USER", "ORG_OPENCASTPROJECT_SECURITY_ADMIN_PASS", "ORG_OPENCASTPROJECT_SECURITY_DIGEST_USER", "ORG_OPENCASTPROJECT_SECURITY_DIGEST_PASS"},
			"opencast_elasticsearch_check":     {"ELASTICSEARCH_SERVER_HOST"},
			"opencast_db_check":                {"ORG_OPENCASTPROJECT_DB_JDBC_URL", "ORG_OPENCASTPROJECT_DB_JDBC_USER", "ORG_OPENCASTPROJECT_DB_JDBC_PASS"},
			"opencast_opencast_configure":      {"ORG_OPENCASTPROJECT_SECURITY_ADMIN_USER", "ORG_OPENCASTPROJECT_SECURITY_ADMIN_PASS", "ORG_OPENCASTPROJECT_SECURITY_DIGEST_USER", "ORG_OPENCASTPROJECT_SECURITY_DIGEST_PASS"},
			"opencast_elasticsearch_configure": {"ELASTICSEARCH_SERVER_HOST", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD"},
			"opencast_db_configure":            {"ORG_OPENCASTPROJECT_DB_JDBC_URL", "ORG_OPENCASTPROJECT_DB_JDBC_USER", "ORG_OPENCASTPROJECT_DB_JDBC_PASS"},
		},
		Writes: []contract.Write{
			// Files of etc/ are root's, etc/ itself is 800's: the configure functions and
			// start.sh replace them by rename (sed -ri, write and mv).
			{Path: "/opencast/etc", Owner: uid, Source: ocDocker("Dockerfile chown opencast /opencast/etc")},
			// karaf.data: bundle cache, pid file.
			{Path: "/opencast/data", Owner: uid, Source: ocDocker("Dockerfile chown -R opencast /opencast/data")},
			// org.opencastproject.storage.dir=/data/opencast, inbox /data/inbox.
			{Path: storageDir, Owner: uid, Source: ocDocker("rootfs/opencast/etc/custom.properties")},
		},
		// org.osgi.service.http.port=8080 (rootfs/opencast/etc/org.ops4j.pax.web.cfg).
		Ports: []contract.Port{contract.TCP(httpPort)},
	}
}

// Contracts implements contract.Holder.
func (Component) Contracts() []contract.Image {
	return []contract.Image{
		opencastImage(AllInOneImage),
		opencastImage(AdminImage),
		opencastImage(PresentationImage),
		opencastImage(WorkerImage),
		{
			Component: OpenSearchImage,
			Tag:       "2.19.4",
			Sources: []string{
				"opensearch-project/opensearch-build docker/release/dockerfiles/opensearch.al2023.dockerfile@2.19.4",
				"opensearch-project/opensearch-build docker/release/config/opensearch/opensearch-docker-entrypoint-2.x.sh@2.19.4",
				"opensearch-project/helm-charts charts/opensearch/templates/statefulset.yaml@opensearch-2.36.0",
			},
			// useradd -u 1000 opensearch; everything below /usr/share/opensearch is 1000's.
			UID: searchUID,
			// No set -e or -u; every variable it reads defaults to off.
			Entrypoint: contract.Entrypoint{Path: "opensearch-docker-entrypoint.sh"},
			Writes: []contract.Write{
				{Path: "/usr/share/opensearch/plugins", Owner: searchUID, Source: "opensearch-plugin install (the chart's plugins.installList)"},
				{Path: "/usr/share/opensearch/config", Owner: searchUID, Source: "opensearch.keystore created at first start"},
				{Path: "/usr/share/opensearch/logs", Owner: searchUID, Source: "jvm.options -Xlog:gc*:file=logs/gc.log"},
				{Path: "/usr/share/opensearch/data", Owner: searchUID, Source: "path.data"},
				{Path: "/tmp", Owner: contract.AnyUser, Source: "bin/opensearch-env mktemp -d"},
			},
			// http.port 9200; transport 9300 binds too but is only used between nodes.
			Ports: []contract.Port{contract.TCP(searchPort), contract.TCP(9300)},
		},
		{
			Component: ProxyImage,
			Tag:       "v7.12.0",
			Sources: []string{
				"oauth2-proxy/oauth2-proxy Dockerfile@v7.12.0",
				"oauth2-proxy/oauth2-proxy pkg/apis/options/legacy_options.go@v7.12.0",
			},
			// distroless static:nonroot, uid 65532; ENTRYPOINT /bin/oauth2-proxy; writes
			// nothing to disk.
			UID:        proxyUID,
			Entrypoint: contract.Entrypoint{Path: "/bin/oauth2-proxy"},
			// http_address 127.0.0.1:4180 unless set, which the pod does.
			Ports: []contract.Port{contract.TCP(proxyPort)},
		},
	}
}
