package contract

import (
	"regexp"
	"slices"
	"strings"
)

// A POSIX shell script, read closely enough to tell which variables it needs: those it
// expands without a default, minus those it assigns itself. Not a shell parser: it errs
// towards reporting, and a report names the variable so that a reader can judge.

var (
	nounsetRe = regexp.MustCompile(`(?m)^[ \t]*set[ \t]+(-[a-zA-Z]*u[a-zA-Z]*\b|.*-o[ \t]+nounset)`)
	assignRe  = regexp.MustCompile(`(?m)(?:^|[\s;&|(])(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=`)
	forRe     = regexp.MustCompile(`\bfor[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+in\b`)
	readRe    = regexp.MustCompile(`\bread[ \t]+(?:-[a-z]+[ \t]+)*([A-Za-z_][A-Za-z0-9_ \t]*)`)
	wordRe    = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
)

// alwaysSet are variables every container's shell has: set by the runtime or the shell.
var alwaysSet = []string{"HOME", "HOSTNAME", "IFS", "OPTARG", "OPTIND", "PATH", "PPID", "PWD"}

// Nounset reports whether script turns on `set -u` (also as part of `set -eu`, `set -euo
// pipefail` or `set -o nounset`).
func Nounset(script string) bool { return nounsetRe.MatchString(script) }

// Unguarded returns the variables script expands without a default (`$X`, `${X}`, but not
// `${X:-...}`, `${X-...}`, `${X:+...}`, `${X:=...}`, `${X:?...}`), sorted. Expansions inside
// single quotes and comments do not count.
func Unguarded(script string) []string {
	var out []string
	inSingle, inDouble := false, false
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '\\' && !inSingle:
			i++
		case c == '\'' && !inDouble:
			inSingle = !inSingle
		case c == '"' && !inSingle:
			inDouble = !inDouble
		case c == '#' && !inSingle && !inDouble && (i == 0 || strings.ContainsRune(" \t\n;", rune(script[i-1]))):
			for i < len(script) && script[i] != '\n' {
				i++
			}
		case c == '$' && !inSingle && i+1 < len(script):
			if name, guarded := expansion(script[i+1:]); name != "" && !guarded {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// expansion reads the variable name after a `$` and whether the expansion has a default.
func expansion(s string) (name string, guarded bool) {
	braced := strings.HasPrefix(s, "{")
	length := false
	if braced {
		s = s[1:]
		// ${#X} is X's length, which fails under set -u like X itself.
		s, length = strings.CutPrefix(s, "#")
	}
	name = wordRe.FindString(s)
	if name == "" || !strings.HasPrefix(s, name) || name == "_" {
		return "", false
	}
	if !braced || length {
		return name, false
	}
	rest := s[len(name):]
	for _, op := range []string{":-", ":=", ":+", ":?", "-", "=", "+", "?"} {
		if strings.HasPrefix(rest, op) {
			return name, true
		}
	}
	return name, false
}

// Assigned returns the variables script assigns (`X=`, `export X=`, `local X=`, `for X in`,
// `read X`), sorted.
func Assigned(script string) []string {
	var out []string
	for _, m := range assignRe.FindAllStringSubmatch(script, -1) {
		out = append(out, m[1])
	}
	for _, m := range forRe.FindAllStringSubmatch(script, -1) {
		out = append(out, m[1])
	}
	for _, m := range readRe.FindAllStringSubmatch(script, -1) {
		out = append(out, strings.Fields(m[1])...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Calls reports whether script calls the shell function fn (as a word, outside a
// definition of it).
func Calls(script, fn string) bool {
	re := regexp.MustCompile(`(?m)(^|[\s;&|(])` + regexp.QuoteMeta(fn) + `($|[\s;&|)])`)
	def := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(fn) + `\s*\(\)`)
	return len(re.FindAllStringIndex(script, -1)) > len(def.FindAllStringIndex(script, -1))
}
