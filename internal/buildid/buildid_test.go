package buildid

import (
	"strings"
	"testing"
)

func TestOfTellsBuildsApart(t *testing.T) {
	a, err := Of(strings.NewReader("build a"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Of(strings.NewReader("build a"))
	b, _ := Of(strings.NewReader("build b"))
	if a != again || a == b || len(a) != 32 {
		t.Errorf("Of: %q, again %q, other %q", a, again, b)
	}
}

func TestExecutableNamesThisBuild(t *testing.T) {
	id := Executable()
	if len(id) != 32 || id != Executable() {
		t.Errorf("Executable: %q, then %q", id, Executable())
	}
}
