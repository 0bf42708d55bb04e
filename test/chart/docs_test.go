package chart

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// TestPlatformFieldsDocumented: docs/platform.md explains every field of WorkspacePlatformSpec,
// so a new field cannot ship without its paragraph.
func TestPlatformFieldsDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docs", "platform.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	fields := jsonPaths("", reflect.TypeFor[rathausv1alpha1.WorkspacePlatformSpec]())
	if len(fields) < 30 {
		t.Fatalf("found only %d fields; is the walk right?", len(fields))
	}
	for _, f := range fields {
		if !strings.Contains(doc, "`"+f+"`") {
			t.Errorf("docs/platform.md does not document `%s`", f)
		}
	}
}

// leafTypes are documented as one value, not field by field.
var leafTypes = map[reflect.Type]bool{
	reflect.TypeFor[metav1.LabelSelector]():           true,
	reflect.TypeFor[rathausv1alpha1.NamespacedName](): true,
	reflect.TypeFor[rathausv1alpha1.GatewayRef]():     true,
	reflect.TypeFor[resource.Quantity]():              true,
}

// jsonPaths lists the dotted JSON paths of a struct's fields; list elements are written [].
func jsonPaths(prefix string, t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.String {
		return jsonPaths(prefix+"[]", t.Elem())
	}
	if t.Kind() != reflect.Struct || leafTypes[t] {
		return []string{prefix}
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		out = append(out, jsonPaths(p, f.Type)...)
	}
	return out
}
