package stalwart

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rathaus-io/rathaus/internal/mail"
)

// Paths where the server pod mounts what the plan points at. Secrets stay in their Secrets:
// the plan only names files and environment variables the server reads itself (SecretText
// "File" and SecretKeyOptional "EnvironmentVariable" variants, stalw.art/docs/ref/object/
// dkim-signature, certificate and mta-route).
const (
	dkimDir = "/etc/stalwart/dkim"
	tlsDir  = "/etc/stalwart/tls"
	// relayPasswordEnv holds the relay's password in the server's environment.
	relayPasswordEnv = "RATHAUS_SMTP_PASSWORD"
)

// op is one line of a stalwart-cli apply plan (stalw.art/docs/management/cli/apply): upserts
// match existing objects by matchOn and update them in place, so the plan converges however
// often it runs; singletons are updated without an id.
type op struct {
	Type    string         `json:"@type"`
	Object  string         `json:"object"`
	MatchOn []string       `json:"matchOn,omitempty"`
	Value   map[string]any `json:"value"`
}

func upsert(object string, matchOn []string, id string, value map[string]any) op {
	return op{Type: "upsert", Object: object, MatchOn: matchOn, Value: map[string]any{id: value}}
}

// create makes a new object every time the plan is applied: for actions.
func create(object, id string, value map[string]any) op {
	return op{Type: "create", Object: object, Value: map[string]any{id: value}}
}

func update(object string, value map[string]any) op {
	return op{Type: "update", Object: object, Value: value}
}

func variant(name string) map[string]any { return map[string]any{"@type": name} }

func file(path string) map[string]any { return map[string]any{"@type": "File", "filePath": path} }

// set encodes a Set<T> as the API expects: an object mapping each member to true
// (stalw.art/docs/configuration/object-encoding).
func set(members ...string) map[string]any {
	out := make(map[string]any, len(members))
	for _, m := range members {
		out[m] = true
	}
	return out
}

// Plan renders the declarative configuration of the workspace's mail domain as NDJSON, parents
// before the objects that reference them ("#id" references, resolved by the CLI).
func Plan(p mail.Plan) string {
	ops := []op{
		// Certificates, DKIM keys and DNS records are managed here, not by the server: it
		// must neither rotate the key the municipality published nor try ACME or DNS APIs.
		upsert("Domain", []string{"name"}, "domain", map[string]any{
			"name":                  p.Domain,
			"certificateManagement": variant("Manual"),
			"dkimManagement":        variant("Manual"),
			"dnsManagement":         variant("Manual"),
			"subAddressing":         variant("Enabled"),
		}),
	}
	settings := map[string]any{"defaultHostname": p.Host, "defaultDomainId": "#domain"}
	if p.TLSSecret != "" {
		ops = append(ops, upsert("Certificate", []string{"certificate"}, "certificate", map[string]any{
			"certificate": file(tlsDir + "/tls.crt"),
			"privateKey":  file(tlsDir + "/tls.key"),
		}))
		settings["defaultCertificateId"] = "#certificate"
	}
	ops = append(ops,
		update("SystemSettings", settings),
		upsert("DkimSignature", []string{"selector", "domainId"}, "dkim", map[string]any{
			"@type":      "Dkim1RsaSha256",
			"domainId":   "#domain",
			"selector":   p.DKIMSelector,
			"privateKey": file(dkimDir + "/" + mail.DKIMKey),
		}),
		// Users log in with the workspace's identity provider; its tokens carry the e-mail
		// address, which is the account name from v0.16 on (UPGRADING/v0_16.md). The audience
		// is not pinned: every client of the workspace's realm is the municipality's own.
		upsert("Directory", []string{"description"}, "directory", map[string]any{
			"@type":           "Oidc",
			"description":     "rathaus single sign-on",
			"issuerUrl":       p.IssuerURL,
			"requireAudience": nil,
			"claimUsername":   "email",
			"usernameDomain":  p.Domain,
			"claimName":       "name",
			"claimGroups":     "groups",
		}),
		update("Authentication", map[string]any{"directoryId": "#directory"}),
		// The default listeners lack submission with STARTTLS on 587 (crates/common/src/
		// manager/defaults.rs: 25, 465, 993, 995, 4190, 443, 8080).
		upsert("NetworkListener", []string{"name"}, "submission", map[string]any{
			"name":        "submission",
			"bind":        set("[::]:587"),
			"protocol":    "smtp",
			"useTls":      true,
			"tlsImplicit": false,
		}),
	)
	ops = append(ops, routing(p)...)
	ops = append(ops, update("MtaSts", map[string]any{"mode": p.MTASTSMode}))
	// Written objects only invalidate caches: the directory, authentication, system settings,
	// routes and MTA-STS take effect with a reload, certificates with their own (actions.md;
	// an Action object's creation runs it). New listeners bind only when the server starts,
	// which the engine arranges after the Job succeeded.
	reload := []op{create("Action", "reload-settings", map[string]any{"@type": "ReloadSettings"})}
	if p.TLSSecret != "" {
		reload = append([]op{create("Action", "reload-tls", map[string]any{"@type": "ReloadTlsCertificates"})}, reload...)
	}
	if len(p.Mailboxes) > 0 {
		accounts := map[string]any{}
		for i, local := range p.Mailboxes {
			accounts[fmt.Sprintf("mailbox-%d", i)] = map[string]any{"@type": "User", "name": local, "domainId": "#domain"}
		}
		ops = append(ops, op{Type: "upsert", Object: "Account", MatchOn: []string{"name", "domainId"}, Value: accounts})
	}
	return encode(append(ops, reload...))
}

// encode writes the operations as stalwart-cli reads them: one JSON document per line.
func encode(ops []op) string {
	var b bytes.Buffer
	for _, o := range ops {
		line, err := json.Marshal(o)
		if err != nil {
			panic(err) // only maps of strings, booleans and nested maps: cannot fail
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// routing sends mail for other domains through the platform's relay when it has one, and
// straight to the recipients' MX hosts otherwise. Local domains are always delivered locally;
// the expression is upstream's default with the relay in place of 'mx'
// (crates/registry/src/schema/structs_impl.rs, MtaOutboundStrategy route).
func routing(p mail.Plan) []op {
	remote := "'mx'"
	var ops []op
	if r := p.Relay; r != nil {
		secret := variant("None")
		var username any
		if r.Username != "" {
			secret = map[string]any{"@type": "EnvironmentVariable", "variableName": relayPasswordEnv}
			username = r.Username
		}
		ops = append(ops, upsert("MtaRoute", []string{"name"}, "relay", map[string]any{
			"@type":        "Relay",
			"name":         "relay",
			"description":  "The platform's smart host",
			"address":      r.Host,
			"port":         r.Port,
			"implicitTls":  r.ImplicitTLS,
			"authUsername": username,
			"authSecret":   secret,
		}))
		remote = "'relay'"
	}
	return append(ops, update("MtaOutboundStrategy", map[string]any{
		"route": map[string]any{
			"match": map[string]any{"0": map[string]any{"if": "is_local_domain(rcpt_domain)", "then": "'local'"}},
			"else":  remote,
		},
	}))
}
