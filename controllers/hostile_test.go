package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// The bad-input campaign: hundreds of invalid or hostile workspaces, generated from a fixed
// seed so that every run sends the same bytes, applied to the real API server. Each is
// refused at admission with a readable message, or admitted and stalled with one, or (the few
// hostile but valid ones) provisioned like any other; the operator never panics and a healthy
// tenant beside them is not written to. docs/reliability.md records the figures.

// hostileSeed fixes the campaign; change it to explore, never to make a run pass.
const hostileSeed = 8

type outcome string

const (
	refused outcome = "refused" // at admission, by the CRD schema or its CEL rules
	stalled outcome = "stalled" // admitted; the operator reports Stalled=True with a message
	ready   outcome = "ready"   // hostile but valid: provisioned, other tenants untouched
)

type hostileCase struct {
	family string
	want   outcome
	obj    *unstructured.Unstructured
}

// hostileGen builds cases from one random source; every choice goes through it.
type hostileGen struct {
	rnd          *rand.Rand
	victimDomain string // the control workspace's domain, for collisions
	n            int
}

func (g *hostileGen) pick(options ...string) string { return options[g.rnd.IntN(len(options))] }

func (g *hostileGen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.rnd.IntN(10)))
	}
	return b.String()
}

// text returns n runes drawn from alphabets a hostile user reaches for: ASCII, umlauts,
// Cyrillic look-alikes, right-to-left, emoji, zero-width and control characters.
func (g *hostileGen) text(n int) string {
	alphabets := [][]rune{
		[]rune("abcdefghijklmnopqrstuvwxyz0123456789-."),
		[]rune("äöüßÄÖÜ"),
		[]rune("аеіорсху"), // Cyrillic letters that look Latin
		[]rune("אבגדהوزح"),
		[]rune("🏛️🔥💣"),
		{'\u200b', '\u200d', '\u202e', '\ufeff', '\u0007', '\t', '\n'},
	}
	var b strings.Builder
	for range n {
		a := alphabets[g.rnd.IntN(len(alphabets))]
		b.WriteRune(a[g.rnd.IntN(len(a))])
	}
	return b.String()
}

// base is a valid workspace; families break one thing of it.
func (g *hostileGen) base() map[string]any {
	g.n++
	return map[string]any{
		"apiVersion": rathausv1alpha1.GroupVersion.String(),
		"kind":       "MunicipalityWorkspace",
		"metadata":   map[string]any{"name": fmt.Sprintf("hostile-%d", g.n)},
		"spec": map[string]any{
			"displayName": "Gemeinde Prüfstadt",
			"domain":      fmt.Sprintf("pruefstadt-%d.example.de", g.n),
		},
	}
}

func spec(o map[string]any) map[string]any     { return o["spec"].(map[string]any) }
func metadata(o map[string]any) map[string]any { return o["metadata"].(map[string]any) }

// families maps a name to a generator of one case; the campaign draws from them in turn.
func (g *hostileGen) families() []func() hostileCase {
	c := func(family string, want outcome, o map[string]any) hostileCase {
		return hostileCase{family: family, want: want, obj: &unstructured.Unstructured{Object: o}}
	}
	wrongValues := []any{int64(42), true, 3.5, []any{"a", "b"}, map[string]any{"x": "y"}, nil}
	return []func() hostileCase{
		func() hostileCase { // a field of the wrong JSON type
			o := g.base()
			paths := [][]string{
				{"displayName"}, {"domain"}, {"size"}, {"admins"}, {"services"}, {"release"},
				{"suspend"}, {"deletionPolicy"}, {"municipalityKey"}, {"services", "files", "enabled"},
				{"services", "video", "maxParticipants"}, {"maintenanceWindow", "days"}, {"identity", "mode"},
			}
			path := paths[g.rnd.IntN(len(paths))]
			v := wrongValues[g.rnd.IntN(len(wrongValues))]
			switch path[len(path)-1] {
			case "displayName", "domain", "size", "deletionPolicy", "municipalityKey", "mode":
				if _, isString := v.(string); isString || v == nil {
					v = int64(7)
				}
			case "admins", "days":
				v = g.pick("it@example.de", "Sunday")
			case "suspend", "enabled":
				v = g.pick("yes", "true", "1")
			case "maxParticipants":
				v = g.pick("many", "100")
			case "services", "release":
				v = g.pick("all", "stable")
			}
			Expect(unstructured.SetNestedField(o, v, append([]string{"spec"}, path...)...)).To(Succeed())
			return c("wrong type", refused, o)
		},
		func() hostileCase { // the whole spec of the wrong type, or missing
			o := g.base()
			switch g.rnd.IntN(3) {
			case 0:
				o["spec"] = []any{"domain", "x.de"}
			case 1:
				o["spec"] = "kiel.de"
			default:
				delete(o, "spec")
			}
			return c("wrong type", refused, o)
		},
		func() hostileCase { // huge strings
			o := g.base()
			switch g.rnd.IntN(5) {
			case 0:
				spec(o)["displayName"] = g.text(129 + g.rnd.IntN(4000))
			case 1:
				spec(o)["domain"] = strings.Repeat("a", 64) + "." + strings.Repeat("b", 200) + ".de"
			case 2:
				spec(o)["admins"] = []any{strings.Repeat("x", 250) + "@example.de"}
			case 3:
				spec(o)["platform"] = strings.Repeat("p", 254+g.rnd.IntN(1000))
			default:
				spec(o)["identity"] = map[string]any{"mode": "External", "issuerURL": "https://" + strings.Repeat("i", 2050)}
			}
			return c("huge string", refused, o)
		},
		func() hostileCase { // unicode and IDN hosts, written as Unicode
			o := g.base()
			host := g.pick("münchen.de", "ｋｉｅｌ.de", "kіel.de", "kiel\u200b.de", "kiel.de\u202e", "köln.xn--", "💣.de",
				"kiel.de.", ".kiel.de", "kiel..de", "-kiel.de", "kiel-.de", "kiel.d", "kiel_.de") // look-alikes, zero width, RTL
			if g.rnd.IntN(2) == 0 {
				spec(o)["domain"] = host
			} else {
				field := g.pick("files", "video", "media", "mail")
				spec(o)["services"] = map[string]any{field: map[string]any{"enabled": true, "host": field + "." + host}}
			}
			return c("unicode host", refused, o)
		},
		func() hostileCase { // upper-case domains
			o := g.base()
			d := []rune(spec(o)["domain"].(string))
			for i := range d {
				if g.rnd.IntN(3) == 0 {
					d[i] = []rune(strings.ToUpper(string(d[i])))[0]
				}
			}
			d[0] = []rune(strings.ToUpper(string(d[0])))[0]
			spec(o)["domain"] = string(d)
			return c("upper-case domain", refused, o)
		},
		func() hostileCase { // municipality keys that are no AGS
			o := g.base()
			spec(o)["municipalityKey"] = g.pick(
				g.digits(1+g.rnd.IntN(7)), g.digits(9+g.rnd.IntN(5)), "0100200A", "01 02000", "١٢٣٤٥٦٧٨", "01002000\n", " 1002000", "-1002000")
			return c("bad AGS", refused, o)
		},
		func() hostileCase { // release selectors: both, or malformed
			o := g.base()
			switch g.rnd.IntN(4) {
			case 0:
				spec(o)["release"] = map[string]any{"channel": "stable", "version": "2026.11.0"}
			case 1:
				spec(o)["release"] = map[string]any{"version": g.pick("2026.13.0", "2026.01.0", "26.11.0", "latest", "2026.11", "v2026.11.0")}
			case 2:
				spec(o)["release"] = map[string]any{"channel": g.pick("Stable", "-rapid", "st able", "stäble", strings.Repeat("c", 64))}
			default:
				spec(o)["release"] = map[string]any{}
			}
			return c("release selector", refused, o)
		},
		func() hostileCase { // maintenance windows
			o := g.base()
			w := map[string]any{"days": []any{"Sunday"}, "start": "02:00", "duration": "4h"}
			switch g.rnd.IntN(6) {
			case 0:
				w["start"] = g.pick("24:00", "2:30", "02:60", "02:00:00", "noon", "")
			case 1:
				w["duration"] = g.pick("10m", "25h", "1d", "-1h", "", "4h30", "PT4H", "29m", "24h1m")
			case 2:
				w["days"] = []any{g.pick("Funday", "sunday", "So", "")}
			case 3:
				w["days"] = []any{}
			case 4:
				w["days"] = []any{"Monday", "Monday"}
			default:
				delete(w, g.pick("days", "start", "duration"))
			}
			spec(o)["maintenanceWindow"] = w
			return c("maintenance window", refused, o)
		},
		func() hostileCase { // labels and annotations the API server refuses
			o := g.base()
			switch g.rnd.IntN(5) {
			case 0:
				metadata(o)["labels"] = map[string]any{g.pick("bad key", "-x", "a/b/c", "ä", strings.Repeat("k", 64)): "v"}
			case 1:
				metadata(o)["labels"] = map[string]any{"rathaus.io/workspace": g.pick(strings.Repeat("v", 64), "a b", "ü", "-x-")}
			case 2:
				metadata(o)["annotations"] = map[string]any{g.pick("bad key", "/x", "ä/b"): "v"}
			case 3:
				metadata(o)["annotations"] = map[string]any{"rathaus.io/big": strings.Repeat("A", 256*1024+1)}
			default:
				metadata(o)["name"] = g.pick("Hostile", "a..b", "-x", "x_y", strings.Repeat("n", 254), "ä")
			}
			return c("hostile metadata", refused, o)
		},
		func() hostileCase { // enums, e-mail addresses, lists, identity, unknown fields
			o := g.base()
			switch g.rnd.IntN(8) {
			case 0:
				spec(o)["size"] = g.pick("XXL", "s", "", "Medium")
			case 1:
				spec(o)["deletionPolicy"] = g.pick("Orphan", "delete", "")
			case 2:
				spec(o)["admins"] = []any{g.pick("root", "it@", "@example.de", "it @example.de", "it@example")}
			case 3:
				admins := make([]any, 21)
				for i := range admins {
					admins[i] = fmt.Sprintf("admin%d@example.de", i)
				}
				spec(o)["admins"] = admins
			case 4:
				spec(o)["tenantAccess"] = map[string]any{"users": []any{"same", "same"}}
			case 5:
				spec(o)["identity"] = g.pick2(map[string]any{"mode": "External"}, map[string]any{"mode": "LDAP"})
			case 6:
				spec(o)["identity"] = map[string]any{"mode": "External", "issuerURL": "http://login.example.de"}
			default:
				spec(o)[g.pick("domian", "evil", "status")] = "x"
			}
			return c("schema", refused, o)
		},
	}
}

func (g *hostileGen) pick2(a, b map[string]any) map[string]any {
	if g.rnd.IntN(2) == 0 {
		return a
	}
	return b
}

// admitted returns the cases the schema lets through and the operator must judge: each goes
// into a namespace of its own.
func (g *hostileGen) admitted() []hostileCase {
	c := func(family string, want outcome, mutate func(o map[string]any)) hostileCase {
		o := g.base()
		mutate(o)
		return hostileCase{family: family, want: want, obj: &unstructured.Unstructured{Object: o}}
	}
	var out []hostileCase
	for range 6 {
		out = append(out, c("duplicate domain", stalled, func(o map[string]any) { spec(o)["domain"] = g.victimDomain }))
	}
	for _, name := range []string{"kube-system/default", "../default", "default\u200b"} {
		out = append(out, c("reference elsewhere", refused, func(o map[string]any) { spec(o)["platform"] = name }))
	}
	out = append(out, c("reference elsewhere", stalled, func(o map[string]any) { spec(o)["platform"] = "nope" }))
	for _, v := range []string{"2099.1.0", "2026.12.999"} {
		out = append(out, c("missing release", stalled, func(o map[string]any) { spec(o)["release"] = map[string]any{"version": v} }))
	}
	// Shaped like an IANA name, only the operator's time zone database can tell: stalled. Paths
	// and control characters are no zone names at all: refused.
	for _, tz := range []struct {
		name string
		want outcome
	}{{"Mars/Olympus_Mons", stalled}, {"../../../etc/passwd", refused}, {"Europe/Berlin\u0000", refused}, {"/etc/localtime", refused}, {"Local", refused}} {
		out = append(out, c("bad time zone", tz.want, func(o map[string]any) {
			spec(o)["maintenanceWindow"] = map[string]any{"days": []any{"Sunday"}, "start": "02:00", "duration": "4h", "timeZone": tz.name}
		}))
	}
	// Hostile but valid: metadata claiming the control workspace, operator annotations, text
	// meant for a browser or a terminal. Provisioned like any workspace.
	out = append(out,
		c("hostile but valid", ready, func(o map[string]any) {
			metadata(o)["labels"] = map[string]any{"rathaus.io/workspace": "workspace", "app.kubernetes.io/managed-by": "rathaus"}
			metadata(o)["annotations"] = map[string]any{"rathaus.io/desired-hash": "0000", "kubectl.kubernetes.io/last-applied-configuration": "{"}
		}),
		c("hostile but valid", ready, func(o map[string]any) {
			spec(o)["displayName"] = "<script>alert(1)</script>'; DROP TABLE users; --\u202e"
		}),
		c("hostile but valid", ready, func(o map[string]any) { spec(o)["displayName"] = g.text(100) }),
	)
	return out
}

var _ = Describe("Bad-input campaign", func() {
	ctx := context.Background()

	BeforeEach(func() { ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName) })

	It("refuses or stalls every hostile workspace, never panics and leaves a healthy tenant alone", func() {
		logStart := len(operatorLog.String())
		controlNS := createNamespace(ctx)
		control := newWorkspace(controlNS, controlNS+".example.de")
		Expect(k8s.Create(ctx, control)).To(Succeed())
		waitReady(ctx, control)
		before := resourceVersions(ctx, control)

		g := &hostileGen{rnd: rand.New(rand.NewPCG(hostileSeed, 0)), victimDomain: control.Spec.Domain}
		families := g.families()
		var cases []hostileCase
		for len(cases) < 500 {
			cases = append(cases, families[g.rnd.IntN(len(families))]())
		}
		cases = append(cases, g.admitted()...)

		refusedNS := createNamespace(ctx)
		counts := map[outcome]int{}
		perFamily := map[string]int{}
		sample := map[string]string{} // the first message of each family, for the record
		var waiting []hostileCase
		for _, tc := range cases {
			ns := refusedNS
			if tc.want != refused {
				ns = createNamespace(ctx)
			}
			tc.obj.SetNamespace(ns)
			// Strict, as kubectl sends it: unknown and duplicate fields are errors, not dropped.
			err := k8s.Create(ctx, tc.obj, client.FieldValidation(metav1.FieldValidationStrict))
			if err != nil {
				Expect(tc.want).To(Equal(refused), "%s: refused, but expected to be admitted: %v", tc.family, err)
				msg := err.Error()
				Expect(msg).NotTo(BeEmpty())
				Expect(msg).NotTo(ContainSubstring("goroutine "), "a stack trace is no message")
				Expect(msg).NotTo(ContainSubstring("panic"))
				Expect(len(msg)).To(BeNumerically("<", 8*1024), "%s: message too long to read: %.200s", tc.family, msg)
				counts[refused]++
				perFamily[tc.family]++
				if sample[tc.family] == "" {
					sample[tc.family] = msg
				}
				continue
			}
			Expect(tc.want).NotTo(Equal(refused), "%s admitted, the schema should refuse it:\n%s", tc.family, mustJSON(tc.obj))
			waiting = append(waiting, tc)
		}

		// Every admitted case is judged by the operator, concurrently.
		for _, tc := range waiting {
			key := client.ObjectKeyFromObject(tc.obj)
			Eventually(func() string {
				got := &rathausv1alpha1.MunicipalityWorkspace{}
				if err := k8s.Get(ctx, key, got); err != nil {
					return err.Error()
				}
				switch tc.want {
				case stalled:
					c := meta.FindStatusCondition(got.Status.Conditions, "Stalled")
					if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != got.Generation {
						return "not stalled yet"
					}
					if strings.TrimSpace(c.Message) == "" || strings.Contains(c.Message, "goroutine ") {
						return "stalled without a readable message: " + c.Message
					}
					if sample[tc.family] == "" {
						sample[tc.family] = c.Reason + ": " + c.Message
					}
				case ready:
					c := meta.FindStatusCondition(got.Status.Conditions, "Ready")
					if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != got.Generation {
						return "not ready yet"
					}
				}
				return string(tc.want)
			}, "60s").Should(Equal(string(tc.want)), "%s %s", tc.family, key)
			counts[tc.want]++
			perFamily[tc.family]++
		}

		Expect(mgrDone).NotTo(BeClosed(), "the manager is still running")
		Expect(operatorLog.String()[logStart:]).NotTo(Or(ContainSubstring("Observed a panic"), ContainSubstring("panic:")))
		Expect(resourceVersions(ctx, control)).To(Equal(before), "the healthy tenant was not written to")

		// And it still serves the healthy tenant.
		updateWorkspace(ctx, control, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.TenantAccess.Users = []string{"admin@" + controlNS}
		})
		Eventually(condition(ctx, control, "Ready"), "30s").Should(Equal("True/Provisioned"))
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: controlNS, Name: tenant.TenantRoleBindingName}, &rbacv1.RoleBinding{})
		}).Should(Succeed(), "the change was applied")

		summary := fmt.Sprintf("bad-input campaign (seed %d): tried %d, refused at admission %d, stalled %d, valid and provisioned %d; by family %v",
			hostileSeed, len(cases), counts[refused], counts[stalled], counts[ready], perFamily)
		GinkgoWriter.Println(summary)
		for _, family := range slices.Sorted(maps.Keys(sample)) {
			GinkgoWriter.Printf("  %s: %s\n", family, sample[family])
		}
		AddReportEntry("bad-input campaign", summary)
		Expect(counts[refused] + counts[stalled] + counts[ready]).To(Equal(len(cases)))
		Expect(len(cases)).To(BeNumerically(">=", 500))
	})
})

func mustJSON(o *unstructured.Unstructured) string {
	raw, err := o.MarshalJSON()
	Expect(err).NotTo(HaveOccurred())
	if len(raw) > 2000 {
		raw = raw[:2000]
	}
	return string(raw)
}

// tenantAttempts are what a municipality's admin might try on its own workspace beyond its
// fields (docs/api.md, "Fields by owner"), as merge patches, drawn with the campaign's seed.
func tenantAttempts(g *hostileGen, n int) []map[string]any {
	spec := func(k string, v any) map[string]any { return map[string]any{"spec": map[string]any{k: v}} }
	meta := func(k string, v any) map[string]any { return map[string]any{"metadata": map[string]any{k: v}} }
	kinds := []func() map[string]any{
		func() map[string]any { return spec("size", []string{"M", "L", "XL"}[g.rnd.IntN(3)]) },
		func() map[string]any { return spec("deletionPolicy", "Delete") },
		func() map[string]any { return spec("suspend", true) },
		func() map[string]any {
			return spec("platform", []string{"other-customer", "default2", g.text(10)}[g.rnd.IntN(3)])
		},
		func() map[string]any {
			return spec("release", map[string]any{"version": []string{"2026.8.0", "2026.9.0"}[g.rnd.IntN(2)]})
		},
		func() map[string]any { return spec("upgrades", map[string]any{"allowWithoutBackup": true}) },
		func() map[string]any { return spec("upgrades", map[string]any{"immediate": true}) },
		func() map[string]any {
			group := []string{"system:authenticated", "system:masters", "everyone", "kiel-all-staff"}[g.rnd.IntN(4)]
			return spec("tenantAccess", map[string]any{"groups": []any{group}})
		},
		func() map[string]any {
			return spec("identity", map[string]any{"mode": "External", "issuerURL": "https://login." + g.text(6) + ".example/realms/x"})
		},
		func() map[string]any { return spec("domain", "kiel.de") },
		func() map[string]any { return spec("displayName", "Bundesministerium "+g.text(8)) },
		func() map[string]any { return spec("municipalityKey", "01002000") },
		func() map[string]any {
			return spec("services", map[string]any{"files": map[string]any{"enabled": true, "host": "files." + g.text(6) + ".example"}})
		},
		func() map[string]any {
			return meta("ownerReferences", []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "00000000-0000-0000-0000-00000000000" + fmt.Sprint(g.rnd.IntN(10))}})
		},
		func() map[string]any { return meta("finalizers", []any{}) },
		func() map[string]any { return meta("labels", map[string]any{"rathaus.io/canary": "true"}) },
		func() map[string]any {
			return meta("annotations", map[string]any{"rathaus.io/desired-hash": g.text(8)})
		},
	}
	out := make([]map[string]any, 0, n)
	for range n {
		out = append(out, kinds[g.rnd.IntN(len(kinds))]())
	}
	return out
}

var _ = Describe("Bad-input campaign, tenant section", func() {
	It("refuses every change of a municipality's admin beyond its own fields and leaves the workspace as it was", func() {
		ctx := context.Background()
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		installWorkspaceRoles(ctx)
		const admin = "campaign-admin@kiel.example"
		ws := newWorkspace(createNamespace(ctx), "tenant-campaign.example", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.TenantAccess = rathausv1alpha1.TenantAccess{Users: []string{admin}}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		tenantClient := as(admin)
		Eventually(func() error {
			return tenantClient.Patch(ctx, getWorkspace(ctx, ws), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"admins":["it@tenant-campaign.example"]}}`)))
		}).Should(Succeed(), "the municipality's own field")
		waitQuiet(ctx)
		before := getWorkspace(ctx, ws)

		g := &hostileGen{rnd: rand.New(rand.NewPCG(hostileSeed, 1))}
		attempts := tenantAttempts(g, 120)
		refusedBy := map[string]int{}
		for _, patch := range attempts {
			raw, err := json.Marshal(patch)
			Expect(err).NotTo(HaveOccurred())
			err = tenantClient.Patch(ctx, getWorkspace(ctx, ws), client.RawPatch(types.MergePatchType, raw))
			Expect(err).To(HaveOccurred(), "a municipality's admin changed %s", raw)
			switch {
			case apierrors.IsForbidden(err):
				refusedBy["policy"]++
			case apierrors.IsInvalid(err):
				refusedBy["schema"]++
			default:
				Fail(fmt.Sprintf("%s: %v is neither Forbidden nor Invalid", raw, err))
			}
			Expect(err.Error()).NotTo(ContainSubstring("goroutine "))
		}
		after := getWorkspace(ctx, ws)
		Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "no refused attempt wrote")
		waitReady(ctx, ws)
		summary := fmt.Sprintf("tenant section (seed %d): %d attempts, refused by the workspace-fields policy %d, by the schema %d",
			hostileSeed, len(attempts), refusedBy["policy"], refusedBy["schema"])
		GinkgoWriter.Println(summary)
		AddReportEntry("tenant section", summary)
	})
})
