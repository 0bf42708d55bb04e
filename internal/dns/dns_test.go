package dns

import (
	"strings"
	"testing"
)

func TestQuoteTXT(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := map[string]string{
		"":            `""`,
		`v=spf1 ~all`: `"v=spf1 ~all"`,
		`say "hi" \o`: `"say \"hi\" \\o"`,
		long:          `"` + long[:255] + `" "` + long[255:] + `"`,
	}
	for in, want := range tests {
		if got := quoteTXT(in); got != want {
			t.Errorf("quoteTXT(%q) = %q, want %q", in, got, want)
		}
	}
}
