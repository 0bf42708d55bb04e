package credrestore

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// projected lays out dir as the kubelet writes a projected volume and restic restores it:
// <secret> -> ..data/<secret>, ..data -> ..<timestamp>, the files in ..<timestamp>/<secret>/.
func projected(t *testing.T, dir string, secrets map[string]map[string]string) {
	t.Helper()
	stamp := filepath.Join(dir, "..2026_12_06_02_00_00.1")
	for name, keys := range secrets {
		if err := os.MkdirAll(filepath.Join(stamp, name), 0o755); err != nil {
			t.Fatal(err)
		}
		for k, v := range keys {
			if err := os.WriteFile(filepath.Join(stamp, name, k), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

func TestReadFollowsTheProjectedVolumesLayout(t *testing.T) {
	dir := t.TempDir()
	projected(t, dir, map[string]map[string]string{
		"rathaus-db-nextcloud": {"password": "old-db-password", "username": "nextcloud"},
		"rathaus-nextcloud":    {"secret": "instance-secret"},
		"unrelated":            {"password": "never read"},
	})
	got, err := Read(dir, []string{"rathaus-db-nextcloud", "rathaus-nextcloud", "rathaus-dkim"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string][]byte{
		"rathaus-db-nextcloud": {"password": []byte("old-db-password"), "username": []byte("nextcloud")},
		"rathaus-nextcloud":    {"secret": []byte("instance-secret")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %q, want %q (a Secret the backup lacks is left out, one not named is not read)", got, want)
	}
}

func TestReadRefusesWhatLeadsOutOfTheRestore(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "password"), []byte("host file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(dir string){
		"a Secret's directory": func(dir string) {
			_ = os.Symlink(outside, filepath.Join(dir, "rathaus-db-nextcloud"))
		},
		"a key": func(dir string) {
			_ = os.Mkdir(filepath.Join(dir, "rathaus-db-nextcloud"), 0o755)
			_ = os.Symlink(filepath.Join(outside, "password"), filepath.Join(dir, "rathaus-db-nextcloud", "password"))
		},
	}
	for name, lay := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			lay(dir)
			if got, err := Read(dir, []string{"rathaus-db-nextcloud"}); err == nil || !strings.Contains(err.Error(), "leads out") {
				t.Fatalf("Read = %q, %v; want an error: a restored link must not reach the pod's other files", got, err)
			}
		})
	}
}

func TestReadSkipsWhatNoSecretHolds(t *testing.T) {
	dir := t.TempDir()
	projected(t, dir, map[string]map[string]string{"rathaus-nextcloud": {"secret": "s", "bad key": "x"}})
	if err := os.Mkdir(filepath.Join(dir, "..data", "rathaus-nextcloud", "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir, []string{"rathaus-nextcloud"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]map[string][]byte{"rathaus-nextcloud": {"secret": []byte("s")}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %q, want %q", got, want)
	}
}
