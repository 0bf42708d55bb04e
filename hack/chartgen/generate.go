package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// generate returns the generated templates, by path relative to the chart, from the sources in
// repo (the repository root).
func generate(repo fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}

	crds, err := fs.Glob(repo, crdSourceDir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CRDs in %s; run 'make manifests'", crdSourceDir)
	}
	for _, src := range crds {
		text, err := fs.ReadFile(repo, src)
		if err != nil {
			return nil, err
		}
		tmpl, err := crdTemplate(src, text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		out[path.Join(crdTemplateDir, path.Base(src))] = tmpl
	}

	role, err := fs.ReadFile(repo, roleSource)
	if err != nil {
		return nil, err
	}
	tmpl, err := clusterRoleTemplate(roleSource, role)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", roleSource, err)
	}
	out[roleTemplate] = tmpl

	releases, err := fs.Glob(repo, releaseSource+"/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, src := range releases {
		text, err := fs.ReadFile(repo, src)
		if err != nil {
			return nil, err
		}
		tmpl, err := releaseTemplate(src, text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		if tmpl != nil {
			out[path.Join(releaseTemplateDir, path.Base(src))] = tmpl
		}
	}
	return out, nil
}

// crdTemplate wraps a controller-gen CRD: templated metadata (labels, the keep policy), the
// spec copied as text.
func crdTemplate(source string, text []byte) ([]byte, error) {
	var crd struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name        string            `json:"name"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := onlyKeys(text, "apiVersion", "kind", "metadata", "spec"); err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(text, &crd); err != nil {
		return nil, err
	}
	if crd.Kind != "CustomResourceDefinition" || crd.Metadata.Name == "" {
		return nil, errors.New("not a named CustomResourceDefinition")
	}
	spec, err := topLevelBlock(string(text), "spec")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(header(source))
	b.WriteString("{{- if .Values.crds.enabled }}\n")
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", crd.APIVersion, crd.Kind, crd.Metadata.Name)
	b.WriteString("  labels:\n    {{- include \"rathaus.labels\" . | nindent 4 }}\n")
	b.WriteString("  annotations:\n")
	writeMap(&b, crd.Metadata.Annotations, "    ")
	b.WriteString("    {{- if .Values.crds.keep }}\n    helm.sh/resource-policy: keep\n    {{- end }}\n")
	b.WriteString("    {{- with .Values.crds.annotations }}\n    {{- toYaml . | nindent 4 }}\n    {{- end }}\n")
	b.WriteString(escape(spec))
	b.WriteString("{{- end }}\n")
	return []byte(b.String()), nil
}

// clusterRoleTemplate names the controller-gen ClusterRole after the release and copies its
// rules as text.
func clusterRoleTemplate(source string, text []byte) ([]byte, error) {
	if err := onlyKeys(text, "apiVersion", "kind", "metadata", "rules"); err != nil {
		return nil, err
	}
	rules, err := topLevelBlock(string(text), "rules")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(header(source))
	b.WriteString("{{- if .Values.rbac.create }}\n")
	b.WriteString("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n")
	b.WriteString("  name: {{ include \"rathaus.managerName\" . }}\n")
	b.WriteString("  labels:\n    {{- include \"rathaus.labels\" . | nindent 4 }}\n")
	b.WriteString(escape(rules))
	b.WriteString("{{- end }}\n")
	return []byte(b.String()), nil
}

// releaseTemplate turns the StackReleases of one catalog file into a template behind
// releases.enabled. Their metadata is re-rendered (labels and the annotations that let a
// first install create them after the CRDs, see rathaus.dependentAnnotations); the spec is the
// source's, marshalled again because a catalog file may hold comments and several documents.
// It returns nil for a file without objects.
func releaseTemplate(source string, text []byte) ([]byte, error) {
	objs, err := decodeAll(text)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString(header(source))
	b.WriteString("{{- if .Values.releases.enabled }}\n")
	for i, o := range objs {
		if o.GetKind() != "StackRelease" || o.GetName() == "" {
			return nil, fmt.Errorf("document %d is %s %q, want a named StackRelease", i+1, o.GetKind(), o.GetName())
		}
		if o.GetNamespace() != "" {
			return nil, fmt.Errorf("StackRelease %s has a namespace; the kind is cluster-scoped", o.GetName())
		}
		spec, err := yaml.Marshal(map[string]any{"spec": o.Object["spec"]})
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, "apiVersion: %s\nkind: StackRelease\nmetadata:\n  name: %s", o.GetAPIVersion(), quote(o.GetName()))
		b.WriteString("  labels:\n    {{- include \"rathaus.labels\" . | nindent 4 }}\n")
		writeMap(&b, o.GetLabels(), "    ")
		b.WriteString("  annotations:\n    {{- include \"rathaus.dependentAnnotations\" . | nindent 4 }}\n")
		writeMap(&b, o.GetAnnotations(), "    ")
		b.WriteString(escape(string(spec)))
	}
	b.WriteString("{{- end }}\n")
	return []byte(b.String()), nil
}

func decodeAll(text []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(text), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(obj) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: obj})
		}
	}
}

// onlyKeys fails when the document has top-level keys beyond allowed: anything the template
// does not carry over would silently vanish from the chart.
func onlyKeys(text []byte, allowed ...string) error {
	var doc map[string]any
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return err
	}
	for k := range doc {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unexpected top-level key %q; teach hack/chartgen to carry it", k)
		}
	}
	return nil
}

// topLevelBlock returns the text of the top-level key from its line to the end of its block.
func topLevelBlock(text, key string) (string, error) {
	lines := strings.SplitAfter(text, "\n")
	start := slices.Index(lines, key+":\n")
	if start < 0 {
		return "", fmt.Errorf("no top-level %q block", key)
	}
	end := start + 1
	for end < len(lines) && (strings.HasPrefix(lines[end], " ") || strings.HasPrefix(lines[end], "- ") || lines[end] == "\n") {
		end++
	}
	return strings.Join(lines[start:end], ""), nil
}

// writeMap writes a string map as sorted YAML entries at indent.
func writeMap(b *strings.Builder, m map[string]string, indent string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s%s: %s", indent, strings.TrimSuffix(quote(k), "\n"), quote(m[k]))
	}
}

// quote renders a string as a YAML scalar line (with its newline), quoted where YAML needs it.
func quote(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil { // a string always marshals
		panic(err)
	}
	return escape(string(out))
}
