package upgrade

import (
	"errors"
	"strings"
	"testing"

	"github.com/rathaus-io/rathaus/internal/desired"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// rel builds a release; components are given as name=version.
func rel(version string, stop bool, channels []string, components ...string) rathausv1alpha1.StackRelease {
	r := rathausv1alpha1.StackRelease{Spec: rathausv1alpha1.StackReleaseSpec{Version: version, Channels: channels, MandatoryStop: stop}}
	r.Name = version
	for _, c := range components {
		name, v, _ := strings.Cut(c, "=")
		r.Spec.Components = append(r.Spec.Components, rathausv1alpha1.Component{Name: name, Image: "example/" + name, Version: v})
	}
	return r
}

var both = []string{"rapid", "stable"}

func TestPlan(t *testing.T) {
	nc32 := rel("2026.8.0", false, both, "nextcloud=32.0.13-apache", "keycloak=26.1.0", "postgresql=17.10")
	nc33 := rel("2026.9.0", false, both, "nextcloud=33.0.7-apache", "keycloak=26.5.4", "postgresql=17.11")
	nc33stop := rel("2026.9.0", true, both, "nextcloud=33.0.7-apache", "keycloak=26.5.4", "postgresql=17.11")
	nc34 := rel("2026.11.0", false, both, "nextcloud=34.0.2-apache", "keycloak=26.5.4", "postgresql=17.11")
	running := func(r rathausv1alpha1.StackRelease) Versions { return VersionsOf(&r) }

	tests := []struct {
		name    string
		req     Request
		want    []string
		reason  string
		comp    string
		message string
	}{
		{
			name: "runs the target already",
			req:  Request{Running: running(nc34), Current: "2026.11.0", Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc32, nc33, nc34}, Channel: "stable"},
		},
		{
			name: "fresh workspace installs the target",
			req:  Request{Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc32, nc33, nc34}, Channel: "stable"},
			want: []string{"2026.11.0 (keycloak (new) → 26.5.4, nextcloud (new) → 34.0.2-apache, postgresql (new) → 17.11)"},
		},
		{
			name: "one major in one step",
			req:  Request{Running: running(nc32), Current: "2026.8.0", Target: &nc33, Catalog: []rathausv1alpha1.StackRelease{nc32, nc33}, Channel: "stable"},
			want: []string{"2026.9.0 (keycloak 26.1.0 → 26.5.4, nextcloud 32.0.13-apache → 33.0.7-apache, postgresql 17.10 → 17.11)"},
		},
		{
			name: "nextcloud two majors ahead passes through the release in between",
			req:  Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc34, nc33, nc32}, Channel: "stable"},
			want: []string{
				"2026.9.0 (keycloak 26.1.0 → 26.5.4, nextcloud 32.0.13-apache → 33.0.7-apache, postgresql 17.10 → 17.11)",
				"2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)",
			},
		},
		{
			name: "fewest steps: the furthest release a component may reach",
			req: Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				rel("2026.8.1", false, both, "nextcloud=33.0.1-apache"), nc33, rel("2026.10.0", false, both, "nextcloud=34.0.0-apache"), nc34,
			}},
			want: []string{
				"2026.9.0 (keycloak 26.1.0 → 26.5.4, nextcloud 32.0.13-apache → 33.0.7-apache, postgresql 17.10 → 17.11)",
				"2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)",
			},
		},
		{
			name: "unreachable: a mandatory stop that would take a component back",
			req: Request{Running: running(nc33), Current: "2026.9.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				nc33, rel("2026.10.0", true, both, "nextcloud=33.0.7-apache", "keycloak=26.5.2", "postgresql=17.11"), nc34,
			}},
			// keycloak would go back at the stop: no way through it.
			reason: rathausv1alpha1.ReasonUpgradeUnreachable, comp: "keycloak",
			message: "keycloak cannot move from 26.5.4 to 26.5.2 (forward only) in one step, and no release of the catalog bridges it to mandatory stop 2026.10.0 on the way to 2026.11.0",
		},
		{
			name: "unreachable: the release after a mandatory stop takes a component back",
			req: Request{Running: running(nc33), Current: "2026.9.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				nc33, rel("2026.9.5", false, []string{"rapid"}, "nextcloud=33.0.8-apache"), rel("2026.10.0", true, []string{"lts"}, "keycloak=26.5.5"), nc34,
			}},
			// The stop moves keycloak to 26.5.5 and the target back to 26.5.4: unreachable.
			reason: rathausv1alpha1.ReasonUpgradeUnreachable, comp: "",
			message: "no sequence of releases of the catalog reaches mandatory stop 2026.10.0 on the way to 2026.11.0 without breaking an upgrade rule",
		},
		{
			name: "mandatory stop is passed even when the target could be reached directly",
			req: Request{Running: running(nc33), Current: "2026.9.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				nc33, rel("2026.10.0", true, both, "nextcloud=33.0.8-apache", "keycloak=26.5.4", "postgresql=17.11"), nc34,
			}},
			want: []string{"2026.10.0 (nextcloud 33.0.7-apache → 33.0.8-apache)", "2026.11.0 (nextcloud 33.0.8-apache → 34.0.2-apache)"},
		},
		{
			name: "mandatory stop of another channel is passed, other releases of it are not",
			req: Request{Running: running(nc33), Current: "2026.9.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				nc33, rel("2026.9.5", false, []string{"rapid"}, "nextcloud=33.0.8-apache"), rel("2026.10.0", true, []string{"lts"}, "postgresql=17.11"), nc34,
			}},
			want: []string{"2026.10.0 ()", "2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)"},
		},
		{
			name: "mandatory stop in the catalog is a step of the plan",
			req:  Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{nc32, nc33stop, rel("2026.10.0", false, both, "nextcloud=33.0.8-apache", "keycloak=26.5.4", "postgresql=17.11"), nc34}},
			want: []string{
				"2026.9.0 (keycloak 26.1.0 → 26.5.4, nextcloud 32.0.13-apache → 33.0.7-apache, postgresql 17.10 → 17.11)",
				"2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)",
			},
		},
		{
			name: "mandatory stops behind the current release do not matter",
			req:  Request{Running: running(nc33), Current: "2026.9.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{nc32, nc33stop, nc34}},
			want: []string{"2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)"},
		},
		{
			name: "keycloak moves any number of versions forward",
			req: Request{Running: Versions{"keycloak": "24.0.5"}, Current: "2026.1.0", Channel: "stable", Target: ptr(rel("2026.11.0", false, both, "keycloak=26.5.4")),
				Catalog: nil},
			want: []string{"2026.11.0 (keycloak 24.0.5 → 26.5.4)"},
		},
		{
			name:    "nextcloud never goes down",
			req:     Request{Running: running(nc34), Current: "2026.11.0", Target: &nc33, Catalog: []rathausv1alpha1.StackRelease{nc33, nc34}},
			reason:  rathausv1alpha1.ReasonDowngradeRefused,
			comp:    "nextcloud",
			message: "release 2026.9.0 would take nextcloud back from 34.0.2-apache to 33.0.7-apache; data migrations are not reversible, so downgrades are never done automatically",
		},
		{
			name:   "a stateless component going back is refused too",
			req:    Request{Running: Versions{"jitsi-web": "stable-11146-2"}, Current: "2026.11.0", Target: ptr(rel("2026.12.0", false, both, "jitsi-web=stable-11146"))},
			reason: rathausv1alpha1.ReasonDowngradeRefused, comp: "jitsi-web",
			message: "release 2026.12.0 would take jitsi-web back from stable-11146-2 to stable-11146; data migrations are not reversible, so downgrades are never done automatically",
		},
		{
			name:   "postgresql major never changes implicitly, even with releases in between",
			req:    Request{Running: running(nc34), Current: "2026.11.0", Target: ptr(rel("2027.1.0", false, both, "postgresql=18.1")), Catalog: []rathausv1alpha1.StackRelease{rel("2026.12.0", false, both, "postgresql=17.12")}},
			reason: rathausv1alpha1.ReasonMajorUpgradeRefused, comp: "postgresql",
			message: "release 2027.1.0 would move postgresql from 17.11 to 18.1, a new major version that needs a manual migration (pg_upgrade or dump and restore); it is never done implicitly",
		},
		{
			name:   "versions that cannot be ordered",
			req:    Request{Running: Versions{"valkey": "latest"}, Current: "2026.11.0", Target: ptr(rel("2026.12.0", false, both, "valkey=9.0.4"))},
			reason: rathausv1alpha1.ReasonUnorderedVersion, comp: "valkey",
			message: "release 2026.12.0 would move valkey from latest to 9.0.4, and these versions cannot be ordered",
		},
		{
			name:   "unreachable: nothing bridges two nextcloud majors",
			req:    Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{nc32, nc34}},
			reason: rathausv1alpha1.ReasonUpgradeUnreachable, comp: "nextcloud",
			message: "nextcloud cannot move from 32.0.13-apache to 34.0.2-apache (one major version at a time, forward only) in one step, and no release of the catalog bridges it to release 2026.11.0",
		},
		{
			name:   "unreachable: the bridge is in a channel the workspace does not follow",
			req:    Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{nc32, rel("2026.9.0", false, []string{"rapid"}, "nextcloud=33.0.7-apache"), nc34}},
			reason: rathausv1alpha1.ReasonUpgradeUnreachable, comp: "nextcloud",
			message: "nextcloud cannot move from 32.0.13-apache to 34.0.2-apache (one major version at a time, forward only) in one step, and no release of the catalog bridges it to release 2026.11.0",
		},
		{
			name: "a pinned workspace may pass through any channel",
			req:  Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc32, rel("2026.9.0", false, []string{"rapid"}, "nextcloud=33.0.7-apache"), nc34}},
			want: []string{"2026.9.0 (nextcloud 32.0.13-apache → 33.0.7-apache)", "2026.11.0 (keycloak 26.1.0 → 26.5.4, nextcloud 33.0.7-apache → 34.0.2-apache, postgresql 17.10 → 17.11)"},
		},
		{
			name: "a release in between that would take a component back is avoided",
			req: Request{Running: running(nc32), Current: "2026.8.0", Target: &nc34, Channel: "stable", Catalog: []rathausv1alpha1.StackRelease{
				nc32, rel("2026.10.0", false, both, "nextcloud=33.0.8-apache", "keycloak=26.0.5"), nc33, nc34,
			}},
			want: []string{
				"2026.9.0 (keycloak 26.1.0 → 26.5.4, nextcloud 32.0.13-apache → 33.0.7-apache, postgresql 17.10 → 17.11)",
				"2026.11.0 (nextcloud 33.0.7-apache → 34.0.2-apache)",
			},
		},
		{
			name: "a new component is added by the step",
			req:  Request{Running: running(nc34), Current: "2026.11.0", Target: ptr(rel("2026.12.0", false, both, "nextcloud=34.0.2-apache", "keycloak=26.5.4", "postgresql=17.11", "stalwart=v0.13.4"))},
			want: []string{"2026.12.0 (stalwart (new) → v0.13.4)"},
		},
		{
			name: "same versions under another name: a step without changes",
			req:  Request{Running: running(nc34), Current: "2026.11.0", Target: ptr(rel("2026.11.1", false, both, "nextcloud=34.0.2-apache", "keycloak=26.5.4", "postgresql=17.11"))},
			want: []string{"2026.11.1 ()"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Rules = rules
			got, err := Plan(tt.req)
			if tt.reason != "" {
				var refused *RefusedError
				if !errors.As(err, &refused) {
					t.Fatalf("err = %v, want a RefusedError %s", err, tt.reason)
				}
				if refused.Reason != tt.reason || refused.Component != tt.comp || refused.Message != tt.message {
					t.Fatalf("refused %s/%s %q\nwant    %s/%s %q", refused.Reason, refused.Component, refused.Message, tt.reason, tt.comp, tt.message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.String())
			}
			if strings.Join(names, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// rules are the registered components' rules, as the reconciler passes them.
var rules = func() Rulebook {
	components, err := desired.ReleaseComponents(desired.Components)
	if err != nil {
		panic(err)
	}
	return NewRulebook(components)
}()

func TestStepStateful(t *testing.T) {
	nc33 := rel("2026.9.0", false, []string{"stable"}, "nextcloud=33.0.7-apache", "jitsi-web=stable-1", "valkey=9.0.3")
	nc34 := rel("2026.11.0", false, []string{"stable"}, "nextcloud=34.0.2-apache", "jitsi-web=stable-2", "valkey=9.0.4")
	from := Versions{"nextcloud": "33.0.7-apache", "jitsi-web": "stable-1", "valkey": "9.0.3"}
	steps, err := Plan(Request{Running: from, Current: "2026.9.0", Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc33, nc34}, Rules: rules})
	if err != nil || len(steps) != 1 || !steps[0].Stateful() {
		t.Fatalf("steps %v, %v: a step moving nextcloud migrates data", steps, err)
	}
	from["nextcloud"] = "34.0.2-apache"
	steps, err = Plan(Request{Running: from, Current: "2026.9.0", Target: &nc34, Catalog: []rathausv1alpha1.StackRelease{nc33, nc34}, Rules: rules})
	if err != nil || len(steps) != 1 || steps[0].Stateful() {
		t.Fatalf("steps %v, %v: jitsi and valkey keep no data that a new version migrates", steps, err)
	}
	for component, want := range map[string]bool{"postgresql": true, "stalwart": true, "opensearch": true, "keycloak-config-cli": false, "oauth2-proxy": false, "unknown": false} {
		if rules.Stateful(component) != want {
			t.Errorf("Stateful(%s) = %v, want %v", component, !want, want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"34.0.2-apache", "34.0.10-apache", -1},
		{"34.0.2-apache", "34.0.2-fpm", 0},
		{"stable-11146", "stable-11146-2", -1},
		{"stable-11146-2", "stable-10978", 1},
		{"6.5.0-26.5.4", "6.5.0-26.1.0", 1},
		{"v20260328", "v20251001", 1},
		{"17.11", "17.9", 1},
	}
	for _, tt := range tests {
		a, _ := parseVersion(tt.a)
		b, _ := parseVersion(tt.b)
		if got := a.compare(b); got != tt.want {
			t.Errorf("compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if _, ok := parseVersion("latest"); ok {
		t.Error("latest has no version")
	}
}

func ptr[T any](v T) *T { return &v }
