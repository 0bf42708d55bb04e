package stalwart

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/release"
)

var fullPlan = mail.Plan{
	Domain: "kiel.de", Host: "mail.kiel.de", DKIMSecret: "rathaus-dkim-kiel-de", DKIMSelector: "rathaus1",
	TLSSecret: "rathaus-mail-tls", MTASTSMode: "enforce", IssuerURL: "https://id.kiel.de/realms/kiel", ClientID: "mail",
	Relay:     &mail.Relay{Host: "relay.example.eu", Port: 465, ImplicitTLS: true, Username: "kiel"},
	Mailboxes: []string{"anna", "zoe"},
}

// TestPlanIsApplicable checks what stalwart-cli apply needs of a plan: one JSON object per
// line with a known operation, upserts with a match key, and every "#id" reference produced
// by an earlier line (the apply pass runs in plan order, apply.md "Dependency ordering").
func TestPlanIsApplicable(t *testing.T) {
	for _, p := range []mail.Plan{fullPlan, {Domain: "kiel.de", Host: "mail.kiel.de", DKIMSelector: "rathaus1", MTASTSMode: "testing"}} {
		produced := map[string]bool{}
		ref := regexp.MustCompile(`"#([a-z0-9-]+)"`)
		for i, line := range strings.Split(strings.TrimSuffix(Plan(p), "\n"), "\n") {
			var o op
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatalf("line %d is not JSON: %v", i, err)
			}
			switch o.Type {
			case "upsert":
				if len(o.MatchOn) == 0 {
					t.Fatalf("line %d: upsert of %s without matchOn would match by value and duplicate on change", i, o.Object)
				}
			case "update":
			case "create":
				if o.Object != "Action" {
					t.Fatalf("line %d: create of %s would add one more on every run", i, o.Object)
				}
			default:
				t.Fatalf("line %d: unexpected operation %q", i, o.Type)
			}
			for _, m := range ref.FindAllStringSubmatch(line, -1) {
				if !produced[m[1]] {
					t.Fatalf("line %d references #%s before it is produced", i, m[1])
				}
			}
			if o.Type == "upsert" {
				for id := range o.Value {
					produced[id] = true
				}
			}
		}
	}
}

func TestPlanKeepsSecretsOut(t *testing.T) {
	plan := Plan(fullPlan)
	for _, leak := range []string{"BEGIN", "password\":\"", "secret\":\""} {
		if strings.Contains(plan, leak) {
			t.Fatalf("plan contains %q: secrets must stay in Secrets, read by the server from files and environment", leak)
		}
	}
	if !strings.Contains(plan, `"variableName":"RATHAUS_SMTP_PASSWORD"`) || !strings.Contains(plan, `"filePath":"/etc/stalwart/dkim/dkim.key"`) {
		t.Fatal("the relay password and DKIM key are not referenced from the environment and the mounted Secret")
	}
}

func TestPlanRoutesThroughTheRelayOnlyWithOne(t *testing.T) {
	without := fullPlan
	without.Relay = nil
	for p, want := range map[string]string{Plan(fullPlan): `"else":"'relay'"`, Plan(without): `"else":"'mx'"`} {
		if !strings.Contains(p, want) {
			t.Errorf("plan lacks %s", want)
		}
	}
	if strings.Contains(Plan(without), `"object":"MtaRoute"`) {
		t.Error("a relay route without a relay")
	}
}

// TestPlanEndsWithReloads: written settings take effect only with a reload, certificates with
// their own; both come last, after everything they reload.
func TestPlanEndsWithReloads(t *testing.T) {
	noTLS := fullPlan
	noTLS.TLSSecret = ""
	for _, tt := range []struct {
		p    mail.Plan
		want []string
	}{
		{noTLS, []string{"ReloadSettings"}},
		{fullPlan, []string{"ReloadTlsCertificates", "ReloadSettings"}},
	} {
		lines := strings.Split(strings.TrimSuffix(Plan(tt.p), "\n"), "\n")
		tail := lines[len(lines)-len(tt.want):]
		for i, want := range tt.want {
			if !strings.Contains(tail[i], `"object":"Action"`) || !strings.Contains(tail[i], `"@type":"`+want+`"`) {
				t.Errorf("TLS %q: line %d is %s, want the action %s", tt.p.TLSSecret, len(lines)-len(tt.want)+i, tail[i], want)
			}
		}
	}
}

// TestReleaseCLIReadsThePlan: stalwart-cli knows upsert with matchOn from 1.0.9 and resolves
// "#id" references in matchOn from 1.0.11 (stalwartlabs/cli CHANGELOG.md); 1.0.8 refuses
// the plan's first line.
func TestReleaseCLIReadsThePlan(t *testing.T) {
	c, err := images.Find(release.BuiltIn(), CLIReleaseComponent)
	if err != nil {
		t.Fatal(err)
	}
	var major, minor, patch int
	if _, err := fmt.Sscanf(c.Version, "%d.%d.%d", &major, &minor, &patch); err != nil {
		t.Fatalf("version %s: %v", c.Version, err)
	}
	if major == 1 && minor == 0 && patch < 11 {
		t.Errorf("stalwart-cli %s cannot apply the plan (upsert from 1.0.9, #references in matchOn from 1.0.11)", c.Version)
	}
}
