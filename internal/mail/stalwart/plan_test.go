package stalwart

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/rathaus-io/rathaus/internal/mail"
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
