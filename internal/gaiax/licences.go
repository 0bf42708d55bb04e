package gaiax

// Licence is what a gx:SoftwareResource says of an image's software: its SPDX licences and
// who holds the copyright.
type Licence struct {
	Licenses       []string
	CopyrightOwner string
}

// Licences are the licences of the images of the operator's own releases
// (config/releases), by image as the catalog names it, each read from the upstream project's
// licence and copyright files (docs/design/gaiax-image-licences.md lists the files and
// commits). A release may name others per component (license, copyrightOwner);
// TestEveryReleaseImageHasALicence keeps this table complete.
var Licences = map[string]Licence{
	// jitsi/jicofo, jitsi/jitsi-videobridge and jitsi/jitsi-meet LICENSE: Apache 2.0; the
	// source headers name 8x8, Inc.
	"ghcr.io/jitsi/jicofo": {[]string{"Apache-2.0"}, "8x8, Inc."},
	"ghcr.io/jitsi/jvb":    {[]string{"Apache-2.0"}, "8x8, Inc."},
	"ghcr.io/jitsi/web":    {[]string{"Apache-2.0"}, "8x8, Inc."},
	// Prosody (bjc/prosody COPYING, MIT) with Jitsi's Apache-2.0 plugins.
	"ghcr.io/jitsi/prosody":                    {[]string{"MIT", "Apache-2.0"}, "Matthew Wild, Waqas Hussain, Kim Alvefur (Prosody); 8x8, Inc. (Jitsi plugins)"},
	"ghcr.io/jitsi-contrib/jitsi-oidc-adapter": {[]string{"Apache-2.0"}, "jitsi-contrib contributors"},
	// keycloak/keycloak LICENSE.txt and source headers.
	"quay.io/keycloak/keycloak":             {[]string{"Apache-2.0"}, "Red Hat, Inc. and/or its affiliates and other contributors"},
	"docker.io/adorsys/keycloak-config-cli": {[]string{"Apache-2.0"}, "adorsys GmbH & Co. KG"},
	// nextcloud/server COPYING and REUSE.toml.
	"docker.io/library/nextcloud":       {[]string{"AGPL-3.0-or-later"}, "Nextcloud GmbH and Nextcloud contributors"},
	"quay.io/oauth2-proxy/oauth2-proxy": {[]string{"MIT"}, "OAuth2 Proxy a Series of LF Projects, LLC"},
	// opencast/opencast LICENSE and NOTICES: Educational Community License 2.0.
	"quay.io/opencast/admin":                 {[]string{"ECL-2.0"}, "The Apereo Foundation"},
	"quay.io/opencast/allinone":              {[]string{"ECL-2.0"}, "The Apereo Foundation"},
	"quay.io/opencast/presentation":          {[]string{"ECL-2.0"}, "The Apereo Foundation"},
	"quay.io/opencast/worker":                {[]string{"ECL-2.0"}, "The Apereo Foundation"},
	"docker.io/opensearchproject/opensearch": {[]string{"Apache-2.0"}, "OpenSearch Contributors"},
	// postgres/postgres COPYRIGHT: the PostgreSQL Licence.
	"docker.io/library/postgres":        {[]string{"PostgreSQL"}, "PostgreSQL Global Development Group"},
	"ghcr.io/cloudnative-pg/postgresql": {[]string{"PostgreSQL"}, "PostgreSQL Global Development Group"},
	"docker.io/restic/restic":           {[]string{"BSD-2-Clause"}, "Alexander Neumann"},
	// Stalwart is AGPL-3.0-only OR LicenseRef-SEL; the community choice is the AGPL. The
	// published image also carries enterprise code that stays inactive without a licence key.
	"docker.io/stalwartlabs/stalwart": {[]string{"AGPL-3.0-only"}, "Stalwart Labs LLC"},
	"docker.io/stalwartlabs/cli":      {[]string{"AGPL-3.0-only"}, "Stalwart Labs LLC"},
	"docker.io/valkey/valkey":         {[]string{"BSD-3-Clause"}, "Valkey contributors"},
}
