package keycloak

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rathaus-io/rathaus/internal/stack"
)

// AdminGroup is the realm group of the application admins. Services map it to their own
// administrators (Nextcloud's group "admin" through user_oidc group provisioning).
const AdminGroup = "admin"

// realm is the realm document keycloak-config-cli applies, in Keycloak's export format
// (adorsys/keycloak-config-cli contrib/example-config, docs/MANAGED.md). Client secrets are
// substituted from the job's environment at import ($(env:...)), so the document holds none.
type realm struct {
	Realm                 string            `json:"realm"`
	DisplayName           string            `json:"displayName"`
	Enabled               bool              `json:"enabled"`
	RegistrationAllowed   bool              `json:"registrationAllowed"`
	ResetPasswordAllowed  bool              `json:"resetPasswordAllowed"`
	LoginWithEmailAllowed bool              `json:"loginWithEmailAllowed"`
	SSLRequired           string            `json:"sslRequired"`
	SMTPServer            map[string]string `json:"smtpServer,omitempty"`
	Groups                []group           `json:"groups"`
	Clients               []oidcClient      `json:"clients"`
	Users                 []user            `json:"users,omitempty"`
}

type group struct {
	Name string `json:"name"`
}

type oidcClient struct {
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name"`
	Enabled                   bool              `json:"enabled"`
	Protocol                  string            `json:"protocol"`
	PublicClient              bool              `json:"publicClient"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType"`
	Secret                    string            `json:"secret"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	RedirectURIs              []string          `json:"redirectUris"`
	WebOrigins                []string          `json:"webOrigins"`
	Attributes                map[string]string `json:"attributes,omitempty"`
	ProtocolMappers           []protocolMapper  `json:"protocolMappers"`
}

type protocolMapper struct {
	Name           string            `json:"name"`
	Protocol       string            `json:"protocol"`
	ProtocolMapper string            `json:"protocolMapper"`
	Config         map[string]string `json:"config"`
}

type user struct {
	Username        string       `json:"username"`
	Email           string       `json:"email"`
	EmailVerified   bool         `json:"emailVerified"`
	Enabled         bool         `json:"enabled"`
	Groups          []string     `json:"groups"`
	RequiredActions []string     `json:"requiredActions"`
	Credentials     []credential `json:"credentials,omitempty"`
}

// credential is a user's password. keycloak-config-cli sets a credential labelled "initial"
// only when it creates the user, so a password the admin chose is never reset by a later run
// (adorsys/keycloak-config-cli docs/IMPORT.md, "User"); "temporary" makes Keycloak ask for a
// new one at the first login.
type credential struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Temporary bool   `json:"temporary"`
	UserLabel string `json:"userLabel"`
}

// adminPasswordEnv is the realm Job's variable with the i-th admin's one-time password.
func adminPasswordEnv(i int) string { return fmt.Sprintf("ADMIN_PASSWORD_%d", i) }

// The realm job's environment variables with the relay's credentials.
const (
	smtpUserEnv     = "SMTP_USER"
	smtpPasswordEnv = "SMTP_PASSWORD"
)

// secretEnv is the job's environment variable holding a service's client secret.
func secretEnv(service string) string {
	return "CLIENT_SECRET_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_"))
}

// RealmName is the workspace's realm, named like its namespace: unique in a Keycloak that many
// workspaces share, since a namespace holds one workspace.
func RealmName(in stack.Inputs) string { return in.Workspace.Namespace }

// realmDocument renders the realm as JSON, deterministic: clients in the order of
// in.OIDCClients (sorted by service), admins in spec order, keys as declared.
func realmDocument(in stack.Inputs) (string, error) {
	r := realm{
		Realm:                 RealmName(in),
		DisplayName:           in.Workspace.Spec.DisplayName,
		Enabled:               true,
		ResetPasswordAllowed:  true,
		LoginWithEmailAllowed: true,
		SSLRequired:           "external",
		Groups:                []group{{Name: AdminGroup}},
		Clients:               []oidcClient{},
	}
	if relay := in.Platform.Spec.SMTPRelay; relay != nil {
		port := relay.Port
		if port == 0 {
			port = 587
		}
		r.SMTPServer = map[string]string{
			"host":     relay.Host,
			"port":     fmt.Sprint(port),
			"from":     "noreply@" + in.Workspace.Spec.Domain,
			"starttls": fmt.Sprint(port != 465),
			"ssl":      fmt.Sprint(port == 465),
		}
		if relay.CredentialsSecret != nil {
			r.SMTPServer["auth"] = "true"
			r.SMTPServer["user"] = "$(env:" + smtpUserEnv + ")"
			r.SMTPServer["password"] = "$(env:" + smtpPasswordEnv + ")"
		}
	}
	for _, c := range in.OIDCClients {
		r.Clients = append(r.Clients, oidcClient{
			ClientID:                c.Service,
			Name:                    c.Service,
			Enabled:                 true,
			Protocol:                "openid-connect",
			ClientAuthenticatorType: "client-secret",
			Secret:                  "$(env:" + secretEnv(c.Service) + ")",
			StandardFlowEnabled:     true,
			RedirectURIs:            c.RedirectURIs,
			WebOrigins:              c.WebOrigins,
			Attributes:              postLogout(c.PostLogoutRedirectURIs),
			ProtocolMappers: []protocolMapper{{
				// Group membership as a flat "groups" claim, which Nextcloud's user_oidc reads
				// for group provisioning.
				Name:           "groups",
				Protocol:       "openid-connect",
				ProtocolMapper: "oidc-group-membership-mapper",
				Config: map[string]string{
					"claim.name": "groups", "full.path": "false",
					"id.token.claim": "true", "access.token.claim": "true", "userinfo.token.claim": "true",
				},
			}},
		})
	}
	// Admins sign in the first time with a one-time password from the Secret their tenant role
	// may read (no mail needed: with mail on the workspace's own server, a "forgot password"
	// link would land in a mailbox nobody can open yet), and choose their own at once. The
	// document holds a reference to the Job's environment, never the value.
	for i, email := range in.Workspace.Spec.Admins {
		r.Users = append(r.Users, user{
			Username: email, Email: email, EmailVerified: true, Enabled: true,
			Groups: []string{AdminGroup}, RequiredActions: []string{"UPDATE_PASSWORD"},
			Credentials: []credential{{Type: "password", Value: "$(env:" + adminPasswordEnv(i) + ")", Temporary: true, UserLabel: "initial"}},
		})
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

func postLogout(uris []string) map[string]string {
	if len(uris) == 0 {
		return nil
	}
	return map[string]string{"post.logout.redirect.uris": strings.Join(uris, "##")}
}
