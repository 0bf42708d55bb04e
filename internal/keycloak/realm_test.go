package keycloak

import (
	"encoding/json"
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
	for _, forbidden := range []string{"credentials", "\"value\""} {
		if strings.Contains(doc, forbidden) {
			t.Errorf("the realm document carries %s: the operator never sets a person's password", forbidden)
		}
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
}
