package main

import (
	"strings"
	"testing"
	"testing/fstest"
)

const crd = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.23.0
  name: things.example.io
spec:
  group: example.io
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: 'A message with {{ braces }} in it.'
`

const role = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rathaus-manager
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - get
`

func TestGenerate(t *testing.T) {
	repo := fstest.MapFS{
		"config/crd/bases/example.io_things.yaml": {Data: []byte(crd)},
		"config/rbac/role.yaml":                   {Data: []byte(role)},
	}
	files, err := generate(repo)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("generated %d files without a catalog, want the CRD and the role", len(files))
	}

	got := string(files["templates/crds/example.io_things.yaml"])
	for _, want := range []string{
		"{{- if .Values.crds.enabled }}\n",
		"  name: things.example.io\n",
		"    controller-gen.kubebuilder.io/version: v0.23.0\n",
		"    helm.sh/resource-policy: keep\n",
		// The spec is copied as text, its braces escaped so that Helm renders them as they are.
		"spec:\n  group: example.io\n",
		`A message with {{ "{{" }} braces }} in it.`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CRD template lacks %q:\n%s", want, got)
		}
	}

	got = string(files["templates/rbac/manager-clusterrole.yaml"])
	if !strings.Contains(got, "  name: {{ include \"rathaus.managerName\" . }}\n") ||
		!strings.HasSuffix(got, "rules:\n- apiGroups:\n  - \"\"\n  resources:\n  - pods\n  verbs:\n  - get\n{{- end }}\n") {
		t.Errorf("role template:\n%s", got)
	}
}

func TestGenerateRefuses(t *testing.T) {
	for name, repo := range map[string]fstest.MapFS{
		"no CRDs": {"config/rbac/role.yaml": {Data: []byte(role)}},
		"a CRD with a status the template would drop": {
			"config/crd/bases/x.yaml": {Data: []byte(crd + "status:\n  acceptedNames: {}\n")},
			"config/rbac/role.yaml":   {Data: []byte(role)},
		},
		"a catalog file with another kind": {
			"config/crd/bases/x.yaml": {Data: []byte(crd)},
			"config/rbac/role.yaml":   {Data: []byte(role)},
			"config/releases/cm.yaml": {Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")},
		},
		"a namespaced StackRelease": {
			"config/crd/bases/x.yaml":       {Data: []byte(crd)},
			"config/rbac/role.yaml":         {Data: []byte(role)},
			"config/releases/2030.1.0.yaml": {Data: []byte("apiVersion: rathaus.io/v1alpha1\nkind: StackRelease\nmetadata: {name: 2030.1.0, namespace: x}\nspec: {version: 2030.1.0}\n")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := generate(repo); err == nil {
				t.Error("generate succeeded, want an error")
			}
		})
	}
}

func TestReleaseTemplate(t *testing.T) {
	src := "# two releases\napiVersion: rathaus.io/v1alpha1\nkind: StackRelease\nmetadata:\n  name: 2030.1.0\n" +
		"spec:\n  version: 2030.1.0\n  components:\n  - {name: postgresql, image: docker.io/library/postgres, version: \"18.1\"}\n" +
		"---\napiVersion: rathaus.io/v1alpha1\nkind: StackRelease\nmetadata:\n  name: 2030.2.0\nspec:\n  version: 2030.2.0\n"
	got, err := releaseTemplate("config/releases/x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	text := string(got)
	for _, want := range []string{
		"{{- if .Values.releases.enabled }}\n",
		"  name: 2030.1.0\n",
		"---\napiVersion: rathaus.io/v1alpha1\nkind: StackRelease\nmetadata:\n  name: 2030.2.0\n",
		`{{- include "rathaus.dependentAnnotations" . | nindent 4 }}`,
		"version: \"18.1\"", // still a string after marshalling again
	} {
		if !strings.Contains(text, want) {
			t.Errorf("release template lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "# two releases") {
		t.Error("comments of the catalog file reach the chart")
	}

	empty, err := releaseTemplate("config/releases/empty.yaml", []byte("# nothing yet\n"))
	if err != nil || empty != nil {
		t.Errorf("a catalog file without objects gives %q, %v; want no template", empty, err)
	}
}
