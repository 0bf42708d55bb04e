package nextcloud

import "github.com/rathaus-io/rathaus/internal/contract"

// phpApache is the base image the Nextcloud image builds on.
const phpApache = "docker-library/php 8.3/trixie/apache/Dockerfile@445bf414"

// Contracts implements contract.Holder.
func (Component) Contracts() []contract.Image {
	return []contract.Image{{
		Component: ReleaseComponent,
		Tag:       "34.0.2-apache",
		Sources: []string{
			"nextcloud/docker 34/apache/Dockerfile@2e5d1c32c8e94dd87113402edcd8b5ff91dc3df5",
			"nextcloud/docker 34/apache/entrypoint.sh@2e5d1c32c8e94dd87113402edcd8b5ff91dc3df5",
			"nextcloud/docker 34/apache/upgrade.exclude@2e5d1c32c8e94dd87113402edcd8b5ff91dc3df5",
			phpApache,
		},
		// www-data; no USER line: as root the entrypoint rsyncs with --chown and runs occ
		// through su, as uid 33 it runs everything itself (run_as).
		UID: uid,
		// set -eu; every variable it reads is guarded (${VAR:-}) but for $1, which the
		// image's CMD apache2-foreground supplies.
		// run_path runs the executable *.sh of /docker-entrypoint-hooks.d/<stage>.
		Entrypoint: contract.Entrypoint{Path: "/entrypoint.sh", Nounset: true, Hooks: []string{"/docker-entrypoint-hooks.d"}},
		Env:        []string{"PHP_MEMORY_LIMIT", "PHP_UPLOAD_LIMIT", "NEXTCLOUD_VERSION", "APACHE_CONFDIR", "PHP_INI_DIR"},
		Writes: []contract.Write{
			// rsync of /usr/src/nextcloud, installation, config.php, apps and data.
			{Path: "/var/www/html", Owner: uid, Source: "entrypoint.sh rsync -rlD --delete --exclude-from=/upgrade.exclude; Dockerfile chown -R www-data:root /var/www"},
			// configure_redis_session: > /usr/local/etc/php/conf.d/redis-session.ini when
			// REDIS_HOST is set; conf.d is created by root and never handed over.
			{Path: "/usr/local/etc/php/conf.d/redis-session.ini", Owner: 0, When: "REDIS_HOST", Source: "entrypoint.sh configure_redis_session"},
			// Apache's run, lock and log directories are www-data, mode 1777 ("allow running
			// as an arbitrary user").
			{Path: "/var/run/apache2", Owner: contract.AnyUser, Source: phpApache},
			{Path: "/var/lock/apache2", Owner: contract.AnyUser, Source: phpApache},
			{Path: "/tmp", Owner: contract.AnyUser, Source: "PHP upload_tmp_dir default"},
		},
		// Apache's ports.conf: Listen 80, whatever the user.
		Ports: []contract.Port{contract.TCP(httpPort)},
	}}
}
