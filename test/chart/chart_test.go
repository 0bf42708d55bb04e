package chart

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/kubeclient"
	"github.com/rathaus-io/rathaus/internal/testutil/golden"
)

const allValues = "testdata/values-all.yaml"

func TestLint(t *testing.T) {
	for name, args := range map[string][]string{
		"defaults":     nil,
		"all features": {"-f", allValues},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := helm(t, append([]string{"lint", "--strict", chartDir, "--namespace", namespace, "--kube-version", kubeVersion}, args...)...)
			if err != nil {
				t.Fatalf("helm lint: %v\n%s", err, out)
			}
		})
	}
}

// TestGolden compares the rendered chart with testdata/*.golden.yaml. The CRDs and the
// catalog are left out: they are generated from config/ and checked against it below, and
// would make every API change churn these files.
func TestGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"default.golden.yaml":      nil,
		"all-features.golden.yaml": {"-f", allValues},
	} {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			for _, d := range split(t, render(t, chartDir, args...)) {
				if k := d.obj.GetKind(); k == "CustomResourceDefinition" || k == "StackRelease" {
					continue
				}
				out.WriteString("---\n" + d.text)
			}
			golden.Assert(t, name, []byte(out.String()))
		})
	}
}

// TestCRDsAreConfigs: the chart serves the CRDs controller-gen wrote, spec byte for byte.
func TestCRDsAreConfigs(t *testing.T) {
	docs := split(t, render(t, chartDir))
	sources, err := filepath.Glob(filepath.Join(repoRoot, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	rendered := ofKind(docs, "CustomResourceDefinition")
	if len(rendered) != len(sources) {
		t.Errorf("chart renders %d CRDs, config/crd/bases has %d; run 'make manifests'", len(rendered), len(sources))
	}
	for _, src := range sources {
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		want := readObjects(t, src)[0]
		got := find(docs, "CustomResourceDefinition", want.GetName())
		if got == nil {
			t.Errorf("CRD %s is missing from the chart; run 'make manifests'", want.GetName())
			continue
		}
		if specText(t, got.text) != specText(t, string(raw)) {
			t.Errorf("CRD %s: the chart's spec differs from %s; run 'make manifests'", want.GetName(), src)
		}
		if got.obj.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s is not kept on uninstall by default", want.GetName())
		}
	}

	if n := len(ofKind(split(t, render(t, chartDir, "--set", "crds.keep=false")), "CustomResourceDefinition")); n != len(sources) {
		t.Errorf("crds.keep=false renders %d CRDs, want %d", n, len(sources))
	}
	for _, d := range ofKind(split(t, render(t, chartDir, "--set", "crds.keep=false")), "CustomResourceDefinition") {
		if _, kept := d.obj.GetAnnotations()["helm.sh/resource-policy"]; kept {
			t.Errorf("crds.keep=false: CRD %s still has a resource policy", d.obj.GetName())
		}
	}
	if n := len(ofKind(split(t, render(t, chartDir, "--set", "crds.enabled=false")), "CustomResourceDefinition")); n != 0 {
		t.Errorf("crds.enabled=false renders %d CRDs", n)
	}
}

// specText is the text of a manifest's top-level spec block.
func specText(t *testing.T, manifest string) string {
	t.Helper()
	_, after, ok := strings.Cut(manifest, "\nspec:\n")
	if !ok {
		t.Fatalf("no spec block in\n%.300s", manifest)
	}
	end := len(after)
	for i, line := range strings.SplitAfter(after, "\n") {
		if i > 0 && line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "- ") {
			end = strings.Index(after, line)
			break
		}
	}
	return after[:end]
}

// TestManagerRBACIsConfig: the ClusterRole the chart binds to the manager grants exactly the
// rules controller-gen derived from the controllers' markers, no more, no less.
func TestManagerRBACIsConfig(t *testing.T) {
	var want rbacv1.ClusterRole
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	docs := split(t, render(t, chartDir))
	var role rbacv1.ClusterRole
	decode(t, docs, "ClusterRole", "rathaus-manager", &role)
	if !reflect.DeepEqual(role.Rules, want.Rules) {
		got, _ := yaml.Marshal(role.Rules)
		exp, _ := yaml.Marshal(want.Rules)
		t.Errorf("the chart's manager rules differ from config/rbac/role.yaml; run 'make manifests'\nchart:\n%s\nconfig:\n%s", got, exp)
	}

	var binding rbacv1.ClusterRoleBinding
	decode(t, docs, "ClusterRoleBinding", "rathaus-manager", &binding)
	wantSubject := rbacv1.Subject{Kind: "ServiceAccount", Name: "rathaus-manager", Namespace: namespace}
	if binding.RoleRef.Name != "rathaus-manager" || !slices.Contains(binding.Subjects, wantSubject) {
		t.Errorf("ClusterRoleBinding binds %s to %v, want rathaus-manager to %v", binding.RoleRef.Name, binding.Subjects, wantSubject)
	}
	var lease, wantLease rbacv1.Role
	decode(t, docs, "Role", "rathaus-leader-election", &lease)
	if lease.Namespace != namespace || !grants(lease.Rules, "coordination.k8s.io", "leases", "update") {
		t.Errorf("leader-election Role in %q does not let the manager renew its Lease: %v", lease.Namespace, lease.Rules)
	}
	raw, err = os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "leader_election.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	roleDoc, _, _ := strings.Cut(string(raw), "\n---\n")
	if err := yaml.Unmarshal([]byte(roleDoc), &wantLease); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lease.Rules, wantLease.Rules) {
		t.Errorf("the chart's leader-election rules differ from config/rbac/leader_election.yaml:\nchart:  %v\nconfig: %v", lease.Rules, wantLease.Rules)
	}
}

// TestWorkspaceRoles: the roles a provider hands out, editor and viewer aggregated into
// Kubernetes' own; creating and deleting workspaces and the provider's fields stay with the
// never aggregated provider role; config/rbac ships the same rules.
func TestWorkspaceRoles(t *testing.T) {
	docs := split(t, render(t, chartDir))
	var editor, viewer, provider rbacv1.ClusterRole
	decode(t, docs, "ClusterRole", "rathaus-workspace-editor", &editor)
	decode(t, docs, "ClusterRole", "rathaus-workspace-viewer", &viewer)
	decode(t, docs, "ClusterRole", "rathaus-workspace-provider", &provider)
	for _, verb := range []string{"get", "list", "watch", "update", "patch"} {
		if !grants(editor.Rules, "rathaus.io", "municipalityworkspaces", verb) {
			t.Errorf("editor may not %s workspaces", verb)
		}
	}
	for _, verb := range []string{"create", "delete", "deletecollection"} {
		if grants(editor.Rules, "rathaus.io", "municipalityworkspaces", verb) {
			t.Errorf("editor, aggregated into edit and admin, may %s workspaces: whoever may edit a namespace could claim a town's domain", verb)
		}
		if !grants(provider.Rules, "rathaus.io", "municipalityworkspaces", verb) {
			t.Errorf("provider may not %s workspaces", verb)
		}
	}
	if grants(editor.Rules, "rathaus.io", "municipalityworkspaces/provider", "update") || !grants(provider.Rules, "rathaus.io", "municipalityworkspaces/provider", "update") {
		t.Error("only the provider role may update municipalityworkspaces/provider, which the workspace-fields policy asks for")
	}
	if len(provider.Labels) > 0 && (provider.Labels["rbac.authorization.k8s.io/aggregate-to-edit"] != "" || provider.Labels["rbac.authorization.k8s.io/aggregate-to-admin"] != "") {
		t.Errorf("the provider role is aggregated: %v", provider.Labels)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "workspace_roles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var want rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		var got rbacv1.ClusterRole
		decode(t, docs, "ClusterRole", want.Name, &got)
		if !reflect.DeepEqual(got.Rules, want.Rules) {
			t.Errorf("%s: the chart's rules differ from config/rbac/workspace_roles.yaml:\nchart:  %v\nconfig: %v", want.Name, got.Rules, want.Rules)
		}
	}
	for _, res := range []string{"municipalityworkspaces", "workspaceplatforms", "stackreleases"} {
		for _, verb := range []string{"get", "list", "watch"} {
			if !grants(viewer.Rules, "rathaus.io", res, verb) {
				t.Errorf("viewer may not %s %s", verb, res)
			}
		}
		for _, verb := range []string{"create", "update", "patch", "delete"} {
			if grants(viewer.Rules, "rathaus.io", res, verb) {
				t.Errorf("viewer may %s %s", verb, res)
			}
		}
	}
	for _, r := range editor.Rules {
		if slices.Contains(r.Resources, "workspaceplatforms") || slices.Contains(r.Resources, "stackreleases") || slices.Contains(r.Verbs, "*") {
			t.Errorf("editor reaches beyond workspaces: %v", r)
		}
	}
	if editor.Labels["rbac.authorization.k8s.io/aggregate-to-edit"] != "true" || viewer.Labels["rbac.authorization.k8s.io/aggregate-to-view"] != "true" {
		t.Errorf("workspace roles are not aggregated: editor %v, viewer %v", editor.Labels, viewer.Labels)
	}
	off := split(t, render(t, chartDir, "--set", "rbac.workspaceRoles.aggregateToDefaultRoles=false"))
	decode(t, off, "ClusterRole", "rathaus-workspace-editor", &editor)
	if _, ok := editor.Labels["rbac.authorization.k8s.io/aggregate-to-edit"]; ok {
		t.Error("aggregateToDefaultRoles=false still aggregates the editor role")
	}
}

func grants(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) &&
			(slices.Contains(r.Verbs, verb) || slices.Contains(r.Verbs, "*")) {
			return true
		}
	}
	return false
}

func decode(t *testing.T, docs []document, kind, name string, into any) {
	t.Helper()
	d := find(docs, kind, name)
	if d == nil {
		t.Fatalf("no %s %s rendered", kind, name)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(d.obj.Object, into); err != nil {
		t.Fatalf("%s %s: %v", kind, name, err)
	}
}

// TestManagerDeployment: the properties a provider's security review asks for, checked on the
// object rather than only in the golden file, so a careless -update cannot lose them.
func TestManagerDeployment(t *testing.T) {
	for name, args := range map[string][]string{"defaults": nil, "all features": {"-f", allValues}} {
		t.Run(name, func(t *testing.T) {
			var dep appsv1.Deployment
			decode(t, split(t, render(t, chartDir, args...)), "Deployment", "rathaus-manager", &dep)
			pod := dep.Spec.Template.Spec
			if len(pod.Containers) != 1 {
				t.Fatalf("want one container, got %d", len(pod.Containers))
			}
			c := pod.Containers[0]
			psc, sc := pod.SecurityContext, c.SecurityContext
			if psc == nil || sc == nil {
				t.Fatal("no security context")
			}
			checks := map[string]bool{
				"runAsNonRoot":                   psc.RunAsNonRoot != nil && *psc.RunAsNonRoot,
				"seccomp RuntimeDefault":         psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
				"readOnlyRootFilesystem":         sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem,
				"no privilege escalation":        sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
				"drops ALL capabilities":         sc.Capabilities != nil && slices.Contains(sc.Capabilities.Drop, "ALL"),
				"memory limit":                   !c.Resources.Limits.Memory().IsZero(),
				"cpu and memory requests":        !c.Resources.Requests.Cpu().IsZero() && !c.Resources.Requests.Memory().IsZero(),
				"leader election":                slices.Contains(c.Args, "--leader-elect"),
				"JSON logs":                      slices.Contains(c.Args, "--zap-encoder=json"),
				"liveness on /healthz":           c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path == "/healthz",
				"readiness on /readyz":           c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil && c.ReadinessProbe.HTTPGet.Path == "/readyz",
				"probe port is the probe server": hasPort(c, c.LivenessProbe.HTTPGet.Port.StrVal, 8081),
				"runs as the chart's account":    pod.ServiceAccountName == "rathaus-manager",
			}
			for what, ok := range checks {
				if !ok {
					t.Errorf("manager Deployment: %s does not hold", what)
				}
			}
		})
	}
}

func hasPort(c corev1.Container, name string, number int32) bool {
	for _, p := range c.Ports {
		if p.Name == name && p.ContainerPort == number {
			return true
		}
	}
	return false
}

func TestImage(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name string
		set  []string
		want string
	}{
		{"appVersion by default", nil, "ghcr.io/rathaus-io/rathaus:0.1.0"},
		{"tag", []string{"image.tag=0.2.0"}, "ghcr.io/rathaus-io/rathaus:0.2.0"},
		{"digest wins over tag", []string{"image.tag=0.2.0", "image.digest=" + digest}, "ghcr.io/rathaus-io/rathaus@" + digest},
		{"through the mirror", []string{"global.registryMirror=registry.example.eu/mirror"}, "registry.example.eu/mirror/ghcr.io/rathaus-io/rathaus:0.1.0"},
		{"own repository", []string{"image.repository=registry.example.eu/rathaus"}, "registry.example.eu/rathaus:0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			var dep appsv1.Deployment
			decode(t, split(t, render(t, chartDir, args...)), "Deployment", "rathaus-manager", &dep)
			if got := dep.Spec.Template.Spec.Containers[0].Image; got != tc.want {
				t.Errorf("image = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSchemaRejects: wrong values fail at install time with a message naming the value.
func TestSchemaRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in helm's error output
	}{
		{"replicas as a word", []string{"--set-string", "replicaCount=two"}, "replicaCount"},
		{"unknown top-level key", []string{"--set", "replicas=2"}, "replicas"},
		{"unknown nested key", []string{"--set", "crds.install=true"}, "install"},
		{"pull policy", []string{"--set", "image.pullPolicy=Sometimes"}, "pullPolicy"},
		{"digest without algorithm", []string{"--set", "image.digest=0123abcd"}, "digest"},
		{"log encoder", []string{"--set", "logs.encoder=xml"}, "encoder"},
		{"mirror with scheme", []string{"--set", "global.registryMirror=https://registry.example.eu"}, "registryMirror"},
		{"CIDR without prefix", []string{"--set", "networkPolicy.apiServer.cidrs={192.0.2.10}"}, "cidrs"},
		{"alert duration", []string{"--set", "prometheusRule.workspaceNotReady.for=half an hour"}, "for"},
		{"severity", []string{"--set", "prometheusRule.upgradeHalted.severity=urgent"}, "severity"},
		{"error ratio above one", []string{"--set", "prometheusRule.reconcileErrors.ratio=5"}, "ratio"},
		{"platform name", []string{"--set", "platform.name=Default"}, "name"},
		{"two managers without a leader", []string{"--set", "replicaCount=2", "--set", "leaderElection.enabled=false"}, "leaderElection.enabled"},
		{"foreign account not named", []string{"--set", "serviceAccount.create=false"}, "serviceAccount.name is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := helm(t, append([]string{"template", releaseName, chartDir, "--namespace", namespace, "--kube-version", kubeVersion}, tc.args...)...)
			if err == nil {
				t.Fatalf("helm template %v succeeded, want an error", tc.args)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("error does not mention %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestAlertRunbooks: every alert links a runbook section that exists in docs/operations.md and
// is built on the operator's metrics.
func TestAlertRunbooks(t *testing.T) {
	docs := split(t, render(t, chartDir, "--set", "prometheusRule.enabled=true"))
	rule := find(docs, "PrometheusRule", "")
	if rule == nil {
		t.Fatal("prometheusRule.enabled renders no PrometheusRule")
	}
	ops, err := os.ReadFile(filepath.Join(repoRoot, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ +(.+)$`).FindAllStringSubmatch(string(ops), -1) {
		anchors[githubAnchor(m[1])] = true
	}
	groups, _, _ := unstructured.NestedSlice(rule.obj.Object, "spec", "groups")
	var alerts []string
	for _, g := range groups {
		rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
		for _, r := range rules {
			r := r.(map[string]any)
			name, _ := r["alert"].(string)
			alerts = append(alerts, name)
			url, _, _ := unstructured.NestedString(r, "annotations", "runbook_url")
			_, anchor, _ := strings.Cut(url, "#")
			if !strings.HasSuffix(strings.TrimSuffix(url, "#"+anchor), "docs/operations.md") || anchor != strings.ToLower(name) {
				t.Errorf("alert %s: runbook_url %q, want .../docs/operations.md#%s", name, url, strings.ToLower(name))
			}
			if !anchors[anchor] {
				t.Errorf("alert %s: docs/operations.md has no section #%s", name, anchor)
			}
			expr, _ := r["expr"].(string)
			if !regexp.MustCompile(`\b(rathaus_|controller_runtime_|up\b)`).MatchString(expr) {
				t.Errorf("alert %s does not use the operator's metrics: %s", name, expr)
			}
		}
	}
	want := []string{"RathausWorkspaceNotReady", "RathausUpgradeHalted", "RathausBackupOverdue", "RathausReconcileErrors", "RathausOperatorDown"}
	if !reflect.DeepEqual(alerts, want) {
		t.Errorf("alerts = %v, want %v", alerts, want)
	}
}

// githubAnchor is the fragment GitHub gives a Markdown heading.
func githubAnchor(heading string) string {
	s := strings.ToLower(strings.TrimSpace(heading))
	s = regexp.MustCompile(`[^a-z0-9 _-]`).ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " ", "-")
}

// TestValuesDocumented: every value of values.yaml has a row in the chart README's table.
func TestValuesDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(chartDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Values\n")
	if !ok {
		t.Fatal("charts/rathaus/README.md has no section ## Values")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	leaves := leafPaths("", values)
	if len(leaves) < 20 {
		t.Fatalf("found only %d values; is values.yaml read right?", len(leaves))
	}
	for _, p := range leaves {
		if !documented[p] {
			t.Errorf("value %s has no row in charts/rathaus/README.md", p)
		}
	}
	for p := range documented {
		if !slices.Contains(leaves, p) {
			t.Errorf("charts/rathaus/README.md documents %s, which values.yaml does not have", p)
		}
	}
}

// leafPaths lists the dotted paths of a values tree; maps that hold free-form content
// (labels, selectors, specs) end a path.
func leafPaths(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || freeForm[prefix] {
		return []string{prefix}
	}
	var out []string
	for k, child := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, leafPaths(p, child)...)
	}
	slices.Sort(out)
	return out
}

var freeForm = map[string]bool{
	"resources":                           true,
	"podSecurityContext":                  true,
	"containerSecurityContext":            true,
	"grafanaDashboard.labels":             true,
	"networkPolicy.dns.namespaceSelector": true,
	"networkPolicy.dns.podSelector":       true,
}

// TestManagerDefaultsAreTheOperators: the chart passes the operator's own defaults for its
// concurrency budget, the ones docs/performance.md measured, so that installing with the
// chart and running the binary behave alike.
func TestManagerDefaultsAreTheOperators(t *testing.T) {
	var dep appsv1.Deployment
	decode(t, split(t, render(t, chartDir)), "Deployment", "rathaus-manager", &dep)
	args := dep.Spec.Template.Spec.Containers[0].Args
	for _, want := range []string{
		fmt.Sprintf("--max-concurrent-reconciles=%d", controllers.DefaultMaxConcurrentReconciles),
		fmt.Sprintf("--kube-api-qps=%d", kubeclient.DefaultQPS),
		fmt.Sprintf("--kube-api-burst=%d", kubeclient.DefaultBurst),
	} {
		if !slices.Contains(args, want) {
			t.Errorf("the chart's manager arguments %v lack %s", args, want)
		}
	}
}

// TestConfigManagerIsTheChartsManager: config/default installs the operator as the chart does
// by default: the chart's appVersion as image tag, the same memory request and limit (the
// 2Gi that a fleet of a thousand workspaces needs, docs/performance.md).
func TestConfigManagerIsTheChartsManager(t *testing.T) {
	var chart appsv1.Deployment
	decode(t, split(t, render(t, chartDir)), "Deployment", "rathaus-manager", &chart)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "config", "manager", "manager.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg appsv1.Deployment
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err == nil && d.Kind == "Deployment" {
			cfg = d
		}
	}
	if len(cfg.Spec.Template.Spec.Containers) == 0 {
		t.Fatal("config/manager/manager.yaml has no Deployment")
	}
	got, want := cfg.Spec.Template.Spec.Containers[0], chart.Spec.Template.Spec.Containers[0]
	_, gotTag, _ := strings.Cut(got.Image, ":")
	_, wantTag, _ := strings.Cut(want.Image, ":")
	if gotTag != wantTag || gotTag == "latest" {
		t.Errorf("config/manager runs image tag %q, the chart %q", gotTag, wantTag)
	}
	// The credentials' restore Job runs the operator's own image, which each install names.
	for name, c := range map[string]corev1.Container{"config/manager": got, "the chart": want} {
		if !slices.Contains(c.Args, "--operator-image="+c.Image) {
			t.Errorf("%s runs %s but passes %v: --operator-image must name the same image", name, c.Image, c.Args)
		}
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceMemory} {
		if !got.Resources.Requests[r].Equal(want.Resources.Requests[r]) || !got.Resources.Limits[r].Equal(want.Resources.Limits[r]) {
			t.Errorf("config/manager %s: requests %v limits %v; the chart: requests %v limits %v", r,
				got.Resources.Requests.Memory(), got.Resources.Limits.Memory(), want.Resources.Requests.Memory(), want.Resources.Limits.Memory())
		}
	}
}
