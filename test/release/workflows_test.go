// Package release tests the release machinery: the GitHub Actions workflows in
// .github/workflows (actionlint checks their syntax and expressions in 'make lint'; these tests
// check what actionlint cannot know), the version script, and the image's build context.
package release

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const repoRoot = "../.."

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	// On is "on", which YAML 1.1 (sigs.k8s.io/yaml) reads as the boolean true.
	On          map[string]any    `json:"true"`
	Permissions any               `json:"permissions"`
	Env         map[string]string `json:"env"`
	Jobs        map[string]job    `json:"jobs"`
}

type job struct {
	Needs       any               `json:"needs"`
	Permissions any               `json:"permissions"`
	Env         map[string]string `json:"env"`
	Steps       []step            `json:"steps"`
}

type step struct {
	Name string            `json:"name"`
	Uses string            `json:"uses"`
	Run  string            `json:"run"`
	With map[string]any    `json:"with"`
	Env  map[string]string `json:"env"`
}

func readWorkflows(t *testing.T) map[string]workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]workflow{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".yaml") {
			t.Errorf("%s: name workflows *.yaml", f)
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(raw, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = w
	}
	for _, want := range []string{"ci.yaml", "release.yaml"} {
		if _, ok := out[want]; !ok {
			t.Fatalf(".github/workflows/%s is missing", want)
		}
	}
	return out
}

// makeTargets lists the targets the Makefile defines.
func makeTargets(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z0-9_-]+):`).FindAllStringSubmatch(string(raw), -1) {
		out = append(out, m[1])
	}
	return out
}

var (
	// make in command position: at the start of a line, after ; && || | $( or then/do/else.
	makeCall   = regexp.MustCompile(`(?m)(?:^[ \t]*|[;&|][ \t]*|\$\([ \t]*|\b(?:then|do|else)[ \t]+)make((?:[ \t]+[A-Za-z0-9_-]+(?:=\S*)?)*)`)
	scriptCall = regexp.MustCompile(`(?:^|[\s"'$(])((?:hack/[A-Za-z0-9_./-]+\.sh)|\.ci/run)\b`)
)

// TestWorkflowsCallWhatExists: every 'make <target>' in a workflow's steps, and in .ci/run that
// they run, names a target of the Makefile, and every repository script they call exists and
// is executable (or, for .ci/run, is run with bash).
func TestWorkflowsCallWhatExists(t *testing.T) {
	targets := makeTargets(t)
	ciRun, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{".ci/run": string(ciRun)}
	for name, w := range readWorkflows(t) {
		for jobName, j := range w.Jobs {
			for i, s := range j.Steps {
				if s.Run != "" {
					scripts[name+" "+jobName+" step "+stepName(i, s)] = s.Run
				}
			}
		}
	}
	calls := 0
	for where, script := range scripts {
		for _, m := range makeCall.FindAllStringSubmatch(script, -1) {
			for _, word := range strings.Fields(m[1]) {
				if strings.Contains(word, "=") {
					continue // a variable
				}
				calls++
				if !slices.Contains(targets, word) {
					t.Errorf("%s runs 'make %s', which the Makefile does not define (targets: %v)", where, word, targets)
				}
			}
		}
		for _, m := range scriptCall.FindAllStringSubmatch(script, -1) {
			info, err := os.Stat(filepath.Join(repoRoot, m[1]))
			switch {
			case err != nil:
				t.Errorf("%s calls %s: %v", where, m[1], err)
			case m[1] != ".ci/run" && info.Mode()&0o111 == 0:
				t.Errorf("%s calls %s, which is not executable", where, m[1])
			}
		}
	}
	if calls < 2 {
		t.Errorf("found %d make calls in the workflows and .ci/run, want at least 'make test' and 'make chart'", calls)
	}
	for _, w := range []string{"ci.yaml", "release.yaml"} {
		if !runsSomewhere(readWorkflows(t)[w], "bash .ci/run") {
			t.Errorf("%s does not run the tests as CI does ('bash .ci/run')", w)
		}
	}
	if !strings.Contains(string(ciRun), "make test") {
		t.Error(".ci/run does not run 'make test'")
	}
}

func stepName(i int, s step) string {
	if s.Name != "" {
		return s.Name
	}
	return "#" + strconv.Itoa(i+1)
}

func runsSomewhere(w workflow, command string) bool {
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if strings.Contains(s.Run, command) {
				return true
			}
		}
	}
	return false
}

// TestWorkflowTriggers: CI on pushes to main and on pull requests, the release on tags v*.
func TestWorkflowTriggers(t *testing.T) {
	ws := readWorkflows(t)
	ci := ws["ci.yaml"].On
	if _, ok := ci["pull_request"]; !ok {
		t.Error("ci.yaml does not run on pull_request")
	}
	if push, _ := ci["push"].(map[string]any); push == nil || !slices.Contains(push["branches"].([]any), any("main")) {
		t.Errorf("ci.yaml does not run on pushes to main: %v", ci["push"])
	}
	rel := ws["release.yaml"].On
	push, _ := rel["push"].(map[string]any)
	if len(rel) != 1 || push == nil || len(push) != 1 || !slices.Equal(push["tags"].([]any), []any{"v*"}) {
		t.Errorf("release.yaml must run on pushed tags v* only, runs on %v", rel)
	}
}

var pinned = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

// TestActionsPinned: every action is pinned to a commit, with the tag it is in a comment
// (a tag can be moved; a commit cannot), and no local or Docker action is used.
func TestActionsPinned(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.yaml"))
	usesLine := regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			m := usesLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			n++
			if !pinned.MatchString(m[1]) {
				t.Errorf("%s:%d: %s is not pinned to a commit (owner/repo@<40 hex digits>)", filepath.Base(f), i+1, m[1])
			}
			if !regexp.MustCompile(`^\s+# v[0-9]+(\.[0-9]+)*$`).MatchString(m[2]) {
				t.Errorf("%s:%d: %s lacks the comment '# vX.Y.Z' naming its tag", filepath.Base(f), i+1, m[1])
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d uses: lines; is the pattern right?", n)
	}
	// The same action at two commits is a half-done update.
	seen := map[string]string{}
	for _, w := range readWorkflows(t) {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				action, commit, _ := strings.Cut(s.Uses, "@")
				if prev, ok := seen[action]; ok && prev != commit {
					t.Errorf("%s is pinned to %s and to %s", action, prev, commit)
				}
				seen[action] = commit
			}
		}
	}
}

// TestWorkflowPermissions: least privilege. Each workflow sets its default permissions to
// read the contents at most; a job gets id-token: write only where it signs with cosign,
// packages: write only where it logs in to push, contents: write only where it creates the
// GitHub release.
func TestWorkflowPermissions(t *testing.T) {
	for name, w := range readWorkflows(t) {
		top, ok := w.Permissions.(map[string]any)
		if !ok {
			t.Errorf("%s: permissions must be a map (not %v), at most {contents: read}", name, w.Permissions)
		}
		for scope, level := range top {
			if scope != "contents" || level != "read" {
				t.Errorf("%s: workflow-wide permission %s: %v; grant it in the job that needs it", name, scope, level)
			}
		}
		for jobName, j := range w.Jobs {
			perms := map[string]any{}
			switch p := j.Permissions.(type) {
			case nil:
				perms = top
			case map[string]any:
				perms = p
			default:
				t.Errorf("%s job %s: permissions %v; list them scope by scope", name, jobName, p)
			}
			var runs, uses strings.Builder
			for _, s := range j.Steps {
				runs.WriteString(s.Run + "\n")
				uses.WriteString(s.Uses + "\n")
			}
			needs := map[string]bool{
				"id-token": strings.Contains(runs.String(), "cosign sign") || strings.Contains(runs.String(), "cosign attest"),
				"packages": strings.Contains(uses.String(), "docker/login-action") || strings.Contains(runs.String(), "registry login"),
				"contents": strings.Contains(runs.String(), "gh release create"),
			}
			for scope, level := range perms {
				if level == "write" && !needs[scope] {
					t.Errorf("%s job %s: %s: write, which none of its steps needs", name, jobName, scope)
				}
				if level != "read" && level != "write" && level != "none" {
					t.Errorf("%s job %s: %s: %v", name, jobName, scope, level)
				}
			}
			for scope, need := range needs {
				if need && perms[scope] != "write" {
					t.Errorf("%s job %s needs %s: write and does not have it", name, jobName, scope)
				}
			}
		}
	}
}

// TestReleasePublishesWhatDocsSay: the image and chart the release workflow pushes are those
// docs/install.md and README.md tell users to pull, those the chart deploys by default and
// 'make docker-build' names, and the steps really sign both and attest and attach the SBOM.
func TestReleasePublishesWhatDocsSay(t *testing.T) {
	rel := readWorkflows(t)["release.yaml"]
	image, chartRepo, chart, registry := rel.Env["IMAGE"], rel.Env["CHART_REPOSITORY"], rel.Env["CHART"], rel.Env["REGISTRY"]
	if image == "" || chartRepo == "" || chart == "" || registry == "" {
		t.Fatalf("release.yaml env must name REGISTRY, IMAGE, CHART_REPOSITORY and CHART: %v", rel.Env)
	}
	chartName := chartField(t, "name")
	if want := "oci://" + chart; chartRepo+"/"+chartName != want {
		t.Errorf("helm push to %s publishes oci://%s/%s, but CHART (signed) is %s", chartRepo, strings.TrimPrefix(chartRepo, "oci://"), chartName, chart)
	}
	for _, ref := range []string{image, chart} {
		if !strings.HasPrefix(ref, registry+"/") {
			t.Errorf("%s is not in the registry the workflow logs in to (%s)", ref, registry)
		}
	}

	docs := read(t, "docs/install.md")
	for _, want := range []string{
		"`" + image + ":<version>`",
		"`" + chartRepo + "/" + chartName + " --version <version>`",
		"helm install rathaus " + chartRepo + "/" + chartName + " --version ",
		"cosign verify " + image + ":<version>",
		"cosign verify " + chart + ":<version>",
		"--certificate-identity https://github.com/rathaus-io/rathaus/.github/workflows/release.yaml@refs/tags/v<version>",
		"cosign verify-attestation --type spdxjson " + image,
		"make docker-build", "make chart",
	} {
		if !strings.Contains(docs, want) {
			t.Errorf("docs/install.md does not say %q", want)
		}
	}
	readme := read(t, "README.md")
	for _, want := range []string{"`" + image + ":<version>`", "`" + chartRepo + "/" + chartName + "`"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not say %q", want)
		}
	}

	var values struct {
		Image struct {
			Repository string `json:"repository"`
			Tag        string `json:"tag"`
		} `json:"image"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "charts/rathaus/values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	if values.Image.Repository != image || values.Image.Tag != "" {
		t.Errorf("the chart deploys %s:%s by default, the release publishes %s:<appVersion>", values.Image.Repository, values.Image.Tag, image)
	}
	if m := regexp.MustCompile(`(?m)^IMG \?= (\S+):\S+$`).FindStringSubmatch(read(t, "Makefile")); m == nil || m[1] != image {
		t.Errorf("the Makefile's IMG is %v, want %s:<tag>", m, image)
	}

	var runs strings.Builder
	with := map[string]map[string]any{} // action (without the commit) -> its inputs
	for _, j := range rel.Jobs {
		for _, s := range j.Steps {
			runs.WriteString(s.Run + "\n")
			if action, _, ok := strings.Cut(s.Uses, "@"); ok {
				with[action] = s.With
			}
		}
	}
	for _, want := range []string{
		`cosign sign --yes "$IMAGE@$DIGEST"`,
		`cosign sign --yes "$CHART@$DIGEST"`,
		`cosign attest --yes --type spdxjson`,
		`push "dist/rathaus-$VERSION.tgz" "$CHART_REPOSITORY"`,
		"make chart",
		"hack/release-version.sh",
		"gh release create",
		"bash .ci/run",
	} {
		if !strings.Contains(runs.String(), want) {
			t.Errorf("release.yaml has no step running %q", want)
		}
	}
	build := with["docker/build-push-action"]
	if build["push"] != true || build["tags"] != "${{ env.IMAGE }}:${{ env.VERSION }}" || build["platforms"] != "linux/amd64,linux/arm64" {
		t.Errorf("docker/build-push-action with %v: want push of ${{ env.IMAGE }}:${{ env.VERSION }} for linux/amd64,linux/arm64", build)
	}
	if sbom := with["anchore/sbom-action"]; sbom["format"] != "spdx-json" || !strings.HasPrefix(fmt.Sprint(sbom["image"]), "${{ env.IMAGE }}@") {
		t.Errorf("anchore/sbom-action with %v: want an SPDX SBOM of the pushed image", sbom)
	}
}

// TestReleaseVersion: hack/release-version.sh accepts the tag of the chart's version and
// refuses any other, so an image and a chart of different versions cannot be published.
func TestReleaseVersion(t *testing.T) {
	version, appVersion := chartField(t, "version"), chartField(t, "appVersion")
	if version != appVersion {
		t.Fatalf("charts/rathaus/Chart.yaml: version %s, appVersion %s; a release publishes both as one version", version, appVersion)
	}
	run := func(tag string) (string, error) {
		out, err := exec.Command(filepath.Join(repoRoot, "hack", "release-version.sh"), tag).Output()
		return strings.TrimSpace(string(out)), err
	}
	if got, err := run("v" + version); err != nil || got != version {
		t.Errorf("release-version.sh v%s = %q, %v; want %s", version, got, err, version)
	}
	for _, tag := range []string{version, "v" + version + "0", "v9.9.9", "v" + version + "-rc.1", "vfoo", ""} {
		if got, err := run(tag); err == nil {
			t.Errorf("release-version.sh %q = %q, want a refusal", tag, got)
		}
	}
}

func chartField(t *testing.T, field string) string {
	t.Helper()
	var chart map[string]any
	if err := yaml.Unmarshal([]byte(read(t, "charts/rathaus/Chart.yaml")), &chart); err != nil {
		t.Fatal(err)
	}
	s, _ := chart[field].(string)
	if s == "" {
		t.Fatalf("charts/rathaus/Chart.yaml has no string %s", field)
	}
	return s
}

func read(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// actionInputs are the inputs each pinned action declares in its action.yml at that commit.
// actionlint checks the inputs of well-known actions only when they are referenced by tag, so
// for commit pins this table does: a misspelt input (persist-credential) would otherwise be
// ignored by the runner without a word. Moving a pin means reading the action.yml again.
var actionInputs = map[string]string{
	"actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1":           "repository ref token ssh-key ssh-known-hosts ssh-strict ssh-user persist-credentials path clean filter sparse-checkout sparse-checkout-cone-mode fetch-depth fetch-tags show-progress lfs submodules set-safe-directory github-server-url allow-unsafe-pr-checkout",
	"actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e":           "go-version go-version-file check-latest token cache cache-dependency-path architecture go-download-base-url",
	"actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae":              "path key restore-keys upload-chunk-size enableCrossOsArchive fail-on-cache-miss lookup-only save-always",
	"docker/setup-buildx-action@37fe631027851001ddb9b187196cc803df7f5f0e": "version driver driver-opts buildkitd-flags buildkitd-config buildkitd-config-inline use name endpoint platforms append keep-state cache-binary cleanup",
	"docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121":        "registry username password ecr scope logout registry-auth",
	"docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a":   "add-hosts allow annotations attests build-args build-contexts builder cache-from cache-to call cgroup-parent context file labels load network no-cache no-cache-filters outputs platforms provenance pull push sbom secrets secret-envs secret-files shm-size ssh tags target ulimit github-token",
	"sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6":  "cosign-release install-dir use-sudo",
	"anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610":        "path file image registry-username registry-password format github-token artifact-name output-file syft-version dependency-snapshot upload-artifact upload-artifact-retention upload-release-assets config",
	"actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f":    "name path if-no-files-found retention-days compression-level overwrite include-hidden-files archive",
	"actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c":  "name artifact-ids path pattern merge-multiple github-token repository run-id skip-decompress digest-mismatch",
}

func TestActionInputs(t *testing.T) {
	for name, w := range readWorkflows(t) {
		for jobName, j := range w.Jobs {
			for i, s := range j.Steps {
				if s.Uses == "" {
					continue
				}
				declared, ok := actionInputs[s.Uses]
				if !ok {
					t.Errorf("%s job %s step %s: %s is not in actionInputs; record the inputs of its action.yml at that commit", name, jobName, stepName(i, s), s.Uses)
					continue
				}
				for input := range s.With {
					if !slices.Contains(strings.Fields(declared), input) {
						t.Errorf("%s job %s step %s: %s has no input %q", name, jobName, stepName(i, s), s.Uses, input)
					}
				}
			}
		}
	}
}
