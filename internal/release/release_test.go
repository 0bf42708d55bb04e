package release

import (
	"errors"
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func rel(version string, channels ...string) rathausv1alpha1.StackRelease {
	return rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: version, Channels: channels}}
}

func TestResolve(t *testing.T) {
	catalog := []rathausv1alpha1.StackRelease{
		rel("2026.9.0", "stable"),
		rel("2026.11.2", "stable", "rapid"),
		rel("2026.10.0", "stable"),
		rel("2027.1.0", "rapid"),
	}
	tests := []struct {
		name    string
		sel     *rathausv1alpha1.ReleaseSelector
		catalog []rathausv1alpha1.StackRelease
		want    string
		wantErr string
	}{
		{name: "newest of channel, numeric not lexical", sel: &rathausv1alpha1.ReleaseSelector{Channel: "stable"}, catalog: catalog, want: "2026.11.2"},
		{name: "other channel", sel: &rathausv1alpha1.ReleaseSelector{Channel: "rapid"}, catalog: catalog, want: "2027.1.0"},
		{name: "no selector means stable", catalog: catalog, want: "2026.11.2"},
		{name: "pinned", sel: &rathausv1alpha1.ReleaseSelector{Version: "2026.9.0"}, catalog: catalog, want: "2026.9.0"},
		{name: "pinned built-in without catalog", sel: &rathausv1alpha1.ReleaseSelector{Version: BuiltIn().Spec.Version}, want: BuiltIn().Spec.Version},
		{name: "stable without catalog is built-in", sel: &rathausv1alpha1.ReleaseSelector{Channel: "stable"}, want: BuiltIn().Spec.Version},
		{name: "unknown pin", sel: &rathausv1alpha1.ReleaseSelector{Version: "2030.1.0"}, catalog: catalog, wantErr: "release 2030.1.0 is not in the release catalog"},
		{name: "empty channel", sel: &rathausv1alpha1.ReleaseSelector{Channel: "lts"}, catalog: catalog, wantErr: "no release in channel lts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.sel, tt.catalog)
			if tt.wantErr != "" {
				var nf *NotFoundError
				if !errors.As(err, &nf) || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want NotFoundError %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Spec.Version != tt.want {
				t.Fatalf("got %s, want %s", got.Spec.Version, tt.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2026.11.0", "2026.9.0", 1},
		{"2026.9.0", "2026.11.0", -1},
		{"2026.11.0", "2026.11.0", 0},
		{"2027.1.0", "2026.12.9", 1},
		{"bogus", "2026.1.0", -1},
		{"2026.1.0", "2026.1", 1},
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
