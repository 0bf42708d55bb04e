package release

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestImageBuildContext: the operator image is built by the release workflow, never here (no
// Docker on these machines), so a package or embedded file the binary needs but the image's
// build does not copy would first show as a failed release. This test lays out what the build
// stage sees (the tracked files that .dockerignore lets into the context, copied as the
// Dockerfile's COPY lines say) and asks the Go command whether ./cmd is complete there. It
// also drops each exception ("!...") of .dockerignore in turn and expects the build to break,
// so the file lets in nothing it does not need.
func TestImageBuildContext(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git to list the tracked files")
	}
	out, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	var tracked []string
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if _, err := os.Lstat(filepath.Join(repoRoot, f)); err == nil { // not deleted in the work tree
			tracked = append(tracked, f)
		}
	}
	patterns := dockerignore(t)
	copies, pkg := buildStage(t)

	if errs := listErrors(t, layOut(t, context(tracked, patterns), copies), pkg); len(errs) > 0 {
		t.Fatalf("the image's build stage cannot build %s (add it to .dockerignore's exceptions and a COPY line of the Dockerfile):\n%s", pkg, strings.Join(errs, "\n"))
	}

	for i, p := range patterns {
		if !p.include {
			continue
		}
		fewer := slices.Delete(slices.Clone(patterns), i, i+1)
		if errs := listErrors(t, layOut(t, context(tracked, fewer), copies), pkg); len(errs) == 0 {
			t.Errorf(".dockerignore: the build stage builds %s without !%s; drop it", pkg, p.text)
		}
	}
}

// ignorePattern is one line of .dockerignore, as a regular expression over slash paths.
type ignorePattern struct {
	text    string
	include bool // an exception: "!..."
	re      *regexp.Regexp
}

// dockerignore reads .dockerignore. It knows the forms Docker documents: * and ? within a
// path element, ** across elements, and ! for an exception; a later line wins, and a pattern
// that matches a directory matches everything below it. Anything else fails the test, so the
// emulation never silently differs from Docker's.
func dockerignore(t *testing.T) []ignorePattern {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []ignorePattern
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{}
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			p.include, line = true, rest
		}
		line = strings.TrimPrefix(path.Clean(line), "/")
		p.text = line
		if strings.ContainsAny(line, `[]\`) {
			t.Fatalf(".dockerignore: %q uses a form this test does not emulate", line)
		}
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch {
			case strings.HasPrefix(line[i:], "**/"):
				re.WriteString("(?:.*/)?")
				i += 2
			case strings.HasPrefix(line[i:], "**"):
				re.WriteString(".*")
				i++
			case line[i] == '*':
				re.WriteString("[^/]*")
			case line[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(line[i : i+1]))
			}
		}
		re.WriteString("(?:/.*)?$") // a matched directory takes what is below it
		p.re = regexp.MustCompile(re.String())
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// context returns the files of tracked that the patterns let into the build context.
func context(tracked []string, patterns []ignorePattern) []string {
	var out []string
	for _, f := range tracked {
		in := true
		for _, p := range patterns {
			if p.re.MatchString(f) {
				in = p.include
			}
		}
		if in {
			out = append(out, f)
		}
	}
	return out
}

type copyLine struct{ sources []string }

// buildStage reads the Dockerfile's first stage: its COPY lines from the context (each copies
// to the same path below WORKDIR, or files to ./) and the package its go build builds.
func buildStage(t *testing.T) ([]copyLine, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	var copies []copyLine
	pkg := ""
	froms := 0
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms++
		case "COPY", "ADD":
			if froms != 1 {
				continue
			}
			args := fields[1:]
			if len(args) < 2 || strings.HasPrefix(args[0], "--") {
				t.Fatalf("Dockerfile: %q is a form this test does not read", line)
			}
			srcs, dst := args[:len(args)-1], args[len(args)-1]
			for _, s := range srcs {
				if dst != "./" && dst != s {
					t.Fatalf("Dockerfile: %q copies %s to %s; this test reads copies to the same path or to ./", line, s, dst)
				}
			}
			copies = append(copies, copyLine{sources: srcs})
		case "RUN":
			if froms == 1 && slices.Contains(fields, "build") {
				pkg = fields[len(fields)-1]
			}
		}
	}
	if len(copies) == 0 || !strings.HasPrefix(pkg, "./") {
		t.Fatalf("Dockerfile: found %d COPY lines and the build of %q in the first stage", len(copies), pkg)
	}
	return copies, pkg
}

// layOut writes the files of the context that the COPY lines take into a new directory, as the
// build stage's WORKDIR has them.
func layOut(t *testing.T, context []string, copies []copyLine) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range copies {
		for _, src := range c.sources {
			for _, f := range context {
				dst := ""
				switch {
				case strings.HasSuffix(src, "/") && strings.HasPrefix(f, src):
					dst = f
				case f == src:
					dst = f
				default:
					continue
				}
				raw, err := os.ReadFile(filepath.Join(repoRoot, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(dst)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, dst), raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

// listErrors asks the Go command, offline, for every error in loading pkg and its dependencies
// in dir: a missing package, an embed pattern without files, a missing go.sum entry.
func listErrors(t *testing.T, dir, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-f", `{{with .Error}}{{.}}{{"\n"}}{{end}}{{range .DepsErrors}}{{.}}{{"\n"}}{{end}}`, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(errs, l) {
			errs = append(errs, l)
		}
	}
	if err != nil && len(errs) == 0 {
		errs = append(errs, err.Error())
	}
	return errs
}
