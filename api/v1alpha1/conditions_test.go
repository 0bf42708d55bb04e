package v1alpha1

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestConditionsAreDocumented holds every condition type and reason the API exports to the
// API reference: clients match on them, so each must be explained where they look.
func TestConditionsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	values := exportedStrings(t, "conditions.go")
	if len(values) < 40 {
		t.Fatalf("found %d condition types and reasons in conditions.go, expected them all", len(values))
	}
	seen := map[string]string{}
	for name, value := range values {
		if prev, dup := seen[value]; dup && strings.HasPrefix(name, "Reason") && strings.HasPrefix(prev, "Reason") {
			t.Errorf("%s and %s both are %q: a reason means one thing", prev, name, value)
		}
		seen[value] = name
		if !strings.Contains(string(doc), "`"+value+"`") {
			t.Errorf("%s (%q) is not documented in docs/api.md", name, value)
		}
	}
}

func exportedStrings(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok || !n.IsExported() {
					continue
				}
				value, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out[n.Name] = value
			}
		}
	}
	return out
}
