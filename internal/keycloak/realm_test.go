package keycloak

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func TestRealmDocument(t *testing.T) {
	relayCreds := rathausv1alpha1.NamespacedName{Namespace: "p", Name: "relay"}
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel"},
			Spec: rathausv1alpha1.MunicipalityWorkspaceSpec{
				DisplayName: "Landeshauptstadt Kiel", Domain: "kiel.de",
				Admins: []string{"it@kiel.de", "ops@kiel.de"},
			},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{Spec: rathausv1alpha1.WorkspacePlatformSpec{
			SMTPRelay: &rathausv1alpha1.SMTPRelay{Host: "relay.example.eu", Port: 465, CredentialsSecret: &relayCreds},
		}},
		OIDCClients: []stack.OIDCClient{
			{Service: "files", RedirectURIs: []string{"https://files.kiel.de/apps/user_oidc/code"}, WebOrigins: []string{"https://files.kiel.de"}},
			{Service: "video", RedirectURIs: []string{"https://meet.kiel.de/oidc/tokenize"}},
		},
	}
	doc, err := realmDocument(in)
	if err != nil {
		t.Fatal(err)
	}
	var r realm
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatalf("realm document is not JSON: %v", err)
	}
	if r.Realm != "kiel" || r.DisplayName != "Landeshauptstadt Kiel" || r.RegistrationAllowed {
		t.Errorf("realm = %s %q, self-registration %v", r.Realm, r.DisplayName, r.RegistrationAllowed)
	}
	if len(r.Clients) != 2 || r.Clients[0].ClientID != "files" || r.Clients[0].Secret != "$(env:CLIENT_SECRET_FILES)" || r.Clients[1].Secret != "$(env:CLIENT_SECRET_VIDEO)" {
		t.Errorf("clients = %+v", r.Clients)
	}
	if len(r.Users) != 2 || r.Users[1].Email != "ops@kiel.de" || r.Users[1].Groups[0] != AdminGroup || r.Users[1].RequiredActions[0] != "UPDATE_PASSWORD" {
		t.Errorf("users = %+v", r.Users)
	}
	if r.SMTPServer["ssl"] != "true" || r.SMTPServer["user"] != "$(env:SMTP_USER)" || r.SMTPServer["from"] != "noreply@kiel.de" {
		t.Errorf("smtp = %v", r.SMTPServer)
	}
	// Each admin's first password is a one-time password the document only refers to; it is
	// set when the user is created ("initial") and must be changed at the first login.
	for i, u := range r.Users {
		if len(u.Credentials) != 1 {
			t.Fatalf("user %s: credentials %+v", u.Email, u.Credentials)
		}
		c := u.Credentials[0]
		if c.Value != "$(env:"+adminPasswordEnv(i)+")" || !c.Temporary || c.UserLabel != "initial" || c.Type != "password" {
			t.Errorf("user %s: credential %+v, want a temporary initial password from the environment", u.Email, c)
		}
	}
	if regexp.MustCompile(`"value": "[^$]`).MatchString(doc) {
		t.Error("the realm document carries a literal value: credentials come from the Job's environment only")
	}
	again, _ := realmDocument(in)
	if again != doc {
		t.Error("the realm document is not deterministic")
	}
}

// TestReapplyKeepsUsersRequiredActions: the realm is applied again on every change; an admin
// who already chose a password must not be asked again, so keycloak-config-cli leaves the
// required actions of existing users alone (creation still sets UPDATE_PASSWORD).
func TestReapplyKeepsUsersRequiredActions(t *testing.T) {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel"}},
		Platform:  &rathausv1alpha1.WorkspacePlatform{},
	}
	job := realmJob(in, "cli:1", "{}", "http://keycloak:8080", "admin")
	var ignored string
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "IMPORT_BEHAVIORS_USERUPDATEIGNOREDPROPERTIES" {
			ignored = e.Value
		}
	}
	if !strings.Contains(ignored, "requiredActions") || !strings.Contains(ignored, "attributes") {
		t.Errorf("ignored properties %q: re-applies reset admins' required actions (or attributes, the default)", ignored)
	}
	env := map[string]string{}
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	// Deletion is limited to what earlier runs created: the municipality's own groups and
	// clients stay.
	for name, want := range map[string]string{"IMPORT_REMOTESTATE_ENABLED": "true", "IMPORT_MANAGED_GROUP": "full", "IMPORT_MANAGED_CLIENT": "full"} {
		if env[name] != want {
			t.Errorf("%s = %q, want %q", name, env[name], want)
		}
	}
}

// TestFirstLoginWithoutMail: each admin has a one-time password in the Secret the tenant role
// may read, the realm Job hands it to keycloak-config-cli, and the status says where to sign in.
func TestFirstLoginWithoutMail(t *testing.T) {
	in := stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kiel", Name: "kiel"},
			Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: "kiel.de", Admins: []string{"It@Kiel.de", "ops+nacht@kiel.de"}},
		},
		Platform:    &rathausv1alpha1.WorkspacePlatform{},
		OIDCClients: []stack.OIDCClient{{Service: "files"}},
	}
	var keys []string
	for _, spec := range (Component{}).Secrets(in) {
		if spec.Name == stack.AdminLoginSecret {
			for _, k := range spec.Keys {
				keys = append(keys, k.Name)
			}
		}
	}
	if strings.Join(keys, ",") != "it-kiel.de,ops-nacht-kiel.de" {
		t.Fatalf("one-time password keys %v", keys)
	}
	job := realmJob(in, "cli:1", "{}", "http://keycloak:8080", "admin")
	env := map[string]string{}
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == stack.AdminLoginSecret {
			env[e.Name] = e.ValueFrom.SecretKeyRef.Key
		}
	}
	if env[adminPasswordEnv(0)] != "it-kiel.de" || env[adminPasswordEnv(1)] != "ops-nacht-kiel.de" {
		t.Errorf("the realm Job reads %v", env)
	}
	st := Status(in)
	if st == nil || st.ConsoleURL != "https://id.kiel.de/admin/kiel/console/" || st.InitialPasswordsSecret != stack.AdminLoginSecret {
		t.Errorf("status %+v", st)
	}
	in.Workspace.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://login.kiel.de/realms/x"}
	if Status(in) != nil {
		t.Error("External identity: the municipality's own issuer, no console of ours")
	}
}
