package postgres

import (
	"strings"
	"testing"
)

func TestSetupScriptTakesPasswordsFromTheEnvironment(t *testing.T) {
	got := setupScript([]string{"keycloak", "nextcloud"})
	want := "set -eu\nuntil pg_isready -q; do sleep 2; done\n" +
		"psql -v ON_ERROR_STOP=1 -v db=keycloak -v password=\"$DB_PASSWORD_0\" -f /setup/setup.sql\n" +
		"psql -v ON_ERROR_STOP=1 -v db=nextcloud -v password=\"$DB_PASSWORD_1\" -f /setup/setup.sql\n"
	if got != want {
		t.Fatalf("script:\n%s\nwant:\n%s", got, want)
	}
	for _, stmt := range []string{"CREATE ROLE", "ALTER ROLE", "CREATE DATABASE"} {
		if !strings.Contains(setupSQL, stmt) {
			t.Errorf("setup.sql lacks %s", stmt)
		}
	}
	if strings.Count(setupSQL, `\gexec`) != 3 {
		t.Error("every statement must run through \\gexec, so that existing roles and databases are left alone")
	}
}
