package nextcloud

// configPHP is copied to config/rathaus.config.php by the config init container on every
// start. Nextcloud merges every *.config.php of its config directory into config.php on each
// request (nextcloud/server lib/private/Config.php), so these values are declarative: what the
// operator renders wins over occ edits. Secrets are read from the environment with getenv(),
// not written into this file; Nextcloud may still copy merged values into config.php when it
// writes that file, which lives on the volume of the workspace's own namespace.
//
// The file makes config/ non-empty at first start, so the image's
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
    'host' => getenv('RATHAUS_REDIS_HOST'),
    'port' => (int) getenv('RATHAUS_REDIS_PORT'),
    'password' => getenv('RATHAUS_REDIS_PASSWORD'),
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
  // Apps come from what the release pins, never from the public app store (air-gapped
  // platforms; the single sign-on hook installs user_oidc).
  'appstoreenabled' => false,
  'check_data_directory_permissions' => false,
  'mail_smtpmode' => 'smtp',
  'mail_smtphost' => getenv('RATHAUS_SMTP_HOST'),
  'mail_smtpport' => (int) getenv('RATHAUS_SMTP_PORT'),
  'mail_smtpsecure' => getenv('RATHAUS_SMTP_SECURE'),
  'mail_from_address' => 'nextcloud',
  'mail_domain' => getenv('RATHAUS_MAIL_DOMAIN'),
);
// Relay credentials, when the platform's relay needs them.
if (getenv('RATHAUS_SMTP_NAME') !== false && getenv('RATHAUS_SMTP_NAME') !== '') {
  $CONFIG['mail_smtpauth'] = true;
  $CONFIG['mail_smtpname'] = getenv('RATHAUS_SMTP_NAME');
  $CONFIG['mail_smtppassword'] = getenv('RATHAUS_SMTP_PASSWORD');
}
// Primary storage on S3, as the image's s3.config.php configures it from OBJECTSTORE_S3_*.
if (getenv('RATHAUS_S3_BUCKET') !== false && getenv('RATHAUS_S3_BUCKET') !== '') {
  $CONFIG['objectstore'] = array (
    'class' => '\OC\Files\ObjectStore\S3',
    'arguments' => array (
      'bucket' => getenv('RATHAUS_S3_BUCKET'),
      'region' => getenv('RATHAUS_S3_REGION'),
      'hostname' => getenv('RATHAUS_S3_HOST'),
      'port' => (int) getenv('RATHAUS_S3_PORT'),
      'key' => getenv('RATHAUS_S3_ACCESS_KEY'),
      'secret' => getenv('RATHAUS_S3_SECRET_KEY'),
      'use_ssl' => true,
      'use_path_style' => getenv('RATHAUS_S3_PATH_STYLE') === 'true',
      'autocreate' => true,
    ),
  );
}
`

// sessionINI is mounted as a PHP ini file so that sessions live in Valkey. The image's
// entrypoint would write the same file when REDIS_HOST is set (nextcloud/docker entrypoint.sh,
// redis-session.ini), but it writes into /usr/local/etc/php/conf.d, which a non-root container
// cannot, and exits when it fails: so the pod sets RATHAUS_REDIS_* instead. PHP expands ${VAR}
// in ini files from the environment.
const sessionINI = `session.save_handler = redis
session.save_path = "tcp://${RATHAUS_REDIS_HOST}:${RATHAUS_REDIS_PORT}?auth=${RATHAUS_REDIS_PASSWORD}"
redis.session.locking_enabled = 1
redis.session.lock_retries = -1
redis.session.lock_wait_time = 10000
`

// oidcHook connects Nextcloud to the workspace's single sign-on. The image's entrypoint runs
// executable *.sh files of /docker-entrypoint-hooks.d/before-starting on every start, after
// installing or upgrading, as the user that owns config.php (nextcloud/docker entrypoint.sh,
// run_path). Every step is idempotent: user_oidc:provider updates an existing provider
// (nextcloud/user_oidc lib/Command/UpsertProvider.php).
//
// user_oidc is not shipped with Nextcloud. The release pins its version, and the hook fetches
// that release's tarball (from the platform's artifact mirror when it has one, never from the
// app store, which config/rathaus.config.php switches off) into custom_apps, which image
// upgrades keep (upgrade.exclude). A different version on the volume is replaced, and occ
// upgrade runs the app's migrations before anything else (in that state Nextcloud admits
// few other commands), so an image upgrade never meets an app too old for it.
//
// Replicas of sizes L and XL start at the same time and the entrypoint runs this hook outside
// its own lock: flock (util-linux, which the entrypoint uses too) on a file of the data
// directory serialises them.
//
// Readable user ids (--unique-uid=0) from the preferred username; the realm's "groups" claim
// provisions Nextcloud groups, so the realm group "admin" makes the application admins
// Nextcloud administrators. With a single provider and allow_multiple_user_backends=0, the
// login page sends users straight to the identity provider; /login?direct=1 still offers the
// local admin.
const oidcHook = `#!/bin/sh
set -eu
# Replicas start together and run their hooks outside the entrypoint's lock: one at a time.
exec 9>/var/www/html/data/.rathaus-hooks.lock
flock 9
occ() { php /var/www/html/occ "$@"; }
app=/var/www/html/custom_apps/user_oidc
have=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$app/appinfo/info.xml" 2>/dev/null | head -n 1)
if [ "v$have" != "$RATHAUS_USER_OIDC_VERSION" ]; then
  tmp=$(mktemp -d)
  curl -fsSL --retry 3 -o "$tmp/user_oidc.tar.gz" "$RATHAUS_USER_OIDC_URL"
  tar -xzf "$tmp/user_oidc.tar.gz" -C "$tmp"
  rm -rf "$app"
  mv "$tmp/user_oidc" "$app"
  rm -rf "$tmp"
  # A newer version on disk puts Nextcloud into "upgrade needed", which allows occ upgrade
  # and little else; with nothing to migrate it answers "already latest version", exit 0.
  occ upgrade
fi
occ app:enable user_oidc
occ user_oidc:provider rathaus \
  --clientid="$OIDC_CLIENT_ID" --clientsecret-env=OIDC_CLIENT_SECRET \
  --discoveryuri="$OIDC_ISSUER_URL/.well-known/openid-configuration" \
  --unique-uid=0 --mapping-uid=preferred_username \
  --group-provisioning=1 --mapping-groups=groups
occ config:app:set --type=string --value=0 user_oidc allow_multiple_user_backends
`
