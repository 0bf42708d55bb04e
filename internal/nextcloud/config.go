package nextcloud

// configPHP is mounted as config/rathaus.config.php. Nextcloud merges every *.config.php of its
// config directory into config.php on each request (nextcloud/server lib/private/Config.php),
// so these values are declarative: what the operator renders wins over occ edits. Secrets are
// read from the environment with getenv(), never written into the file.
//
// Mounting a file into config/ makes the directory non-empty at first start, so the image's
// entrypoint does not seed its own config/*.php files (nextcloud/docker entrypoint.sh, "only if
// missing or empty"). This file therefore carries what those gave: apps paths
// (apps.config.php), APCu (apcu.config.php), Redis (redis.config.php), the reverse-proxy
// settings (reverse-proxy.config.php) and the web upgrade switch
// (upgrade-disable-web.config.php).
const configPHP = `<?php
$CONFIG = array (
  'apps_paths' => array (
    0 => array ('path' => OC::$SERVERROOT . '/apps', 'url' => '/apps', 'writable' => false),
    1 => array ('path' => OC::$SERVERROOT . '/custom_apps', 'url' => '/custom_apps', 'writable' => true),
  ),
  'memcache.local' => '\OC\Memcache\APCu',
  'memcache.distributed' => '\OC\Memcache\Redis',
  'memcache.locking' => '\OC\Memcache\Redis',
  'redis' => array (
    'host' => getenv('REDIS_HOST'),
    'port' => (int) getenv('REDIS_HOST_PORT'),
    'password' => getenv('REDIS_HOST_PASSWORD'),
  ),
  'trusted_domains' => array (
    0 => getenv('RATHAUS_HOST'),
    1 => 'localhost',
  ),
  'trusted_proxies' => explode(' ', getenv('RATHAUS_TRUSTED_PROXIES')),
  'overwritehost' => getenv('RATHAUS_HOST'),
  'overwriteprotocol' => 'https',
  'overwrite.cli.url' => 'https://' . getenv('RATHAUS_HOST'),
  'htaccess.RewriteBase' => '/',
  'upgrade.disable-web' => true,
  'check_data_directory_permissions' => false,
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => getenv('RATHAUS_SMTP_HOST'),
  'mail_smtpport' => (int) getenv('RATHAUS_SMTP_PORT'),
  'mail_smtpsecure' => getenv('RATHAUS_SMTP_SECURE'),
  'mail_from_address' => 'nextcloud',
  'mail_domain' => getenv('RATHAUS_MAIL_DOMAIN'),
);
`

// sessionINI is mounted as a PHP ini file so that sessions live in Valkey. The image's
// entrypoint would write the same file when REDIS_HOST is set (nextcloud/docker entrypoint.sh,
// redis-session.ini), but it writes into /usr/local/etc/php/conf.d, which a non-root container
// cannot; PHP expands ${VAR} in ini files from the environment.
const sessionINI = `session.save_handler = redis
session.save_path = "tcp://${REDIS_HOST}:${REDIS_HOST_PORT}?auth=${REDIS_HOST_PASSWORD}"
redis.session.locking_enabled = 1
redis.session.lock_retries = -1
redis.session.lock_wait_time = 10000
`
