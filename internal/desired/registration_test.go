package desired

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/contract"
	"github.com/rathaus-io/rathaus/internal/dns"
	"github.com/rathaus-io/rathaus/internal/health"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/upgrade"
	"github.com/rathaus-io/rathaus/internal/web"
)

// guestbook is a service as small as a service can be, written the way a new one is: one
// package implementing the plug-in contract, registered with one line (With). Nothing else in
// the operator knows it, and every central table must show it.
type guestbook struct{}

const guestbookImage = "guestbook"

var (
	// guestbookKind is a kind of another project the service needs, as CloudNativePG's Cluster
	// is for the database.
	guestbookKind = schema.GroupVersionKind{Group: "example.org", Version: "v1", Kind: "Ledger"}
	// guestbookSecret is a platform Secret it reads.
	guestbookSecret = rathausv1alpha1.NamespacedName{Namespace: "rathaus-system", Name: "guestbook-signing"}
)

func (guestbook) Name() string          { return "guestbook" }
func (guestbook) ConditionType() string { return "GuestbookReady" }

func guestbookHost(in stack.Inputs) string { return "guestbook." + in.Workspace.Spec.Domain }

func (g guestbook) Render(in stack.Inputs) ([]client.Object, error) {
	image, err := in.Image(guestbookImage)
	if err != nil {
		return nil, err
	}
	meta := kit.Meta(in, g.Name(), "rathaus-guestbook")
	labels := kit.PodLabels(in, "guestbook")
	deploy := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "guestbook", Image: image}}},
			},
		},
	}
	ledger := &unstructured.Unstructured{}
	ledger.SetGroupVersionKind(guestbookKind)
	ledger.SetName("rathaus-guestbook")
	ledger.SetNamespace(in.Workspace.Namespace)
	ledger.SetLabels(meta.Labels)
	return []client.Object{deploy, ledger, web.Route(in, g.Name(), "rathaus-guestbook", guestbookHost(in), "rathaus-guestbook", 8080)}, nil
}

func (guestbook) Endpoint(in stack.Inputs) (string, string, bool) {
	return "guestbook", "https://" + guestbookHost(in), true
}

func (guestbook) Version(in stack.Inputs) string {
	c, err := images.Find(in.Release, guestbookImage)
	if err != nil {
		return ""
	}
	return c.Version
}

func (guestbook) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{{Name: guestbookImage, Upgrade: stack.SameMajor, Stateful: true}}
}

func (guestbook) Hosts(in stack.Inputs) []stack.Host {
	return []stack.Host{{Name: guestbookHost(in), Ingress: true}}
}

func (guestbook) DNSRecords(in stack.Inputs) []rathausv1alpha1.DNSRecord {
	return []rathausv1alpha1.DNSRecord{dns.Record("_guestbook."+in.Workspace.Spec.Domain, "TXT", "v=guestbook1", dns.TTL(in.Platform))}
}

func (guestbook) PlatformSecrets(*rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	return []rathausv1alpha1.NamespacedName{guestbookSecret}
}

func (guestbook) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, guestbookKind}, web.Kinds...)
}

func (guestbook) Needs(*rathausv1alpha1.MunicipalityWorkspace, *rathausv1alpha1.WorkspacePlatform) []stack.Need {
	return []stack.Need{{Kind: guestbookKind, Reason: "LedgerMissing", What: "ledgers, but the example.org Ledger CRD is"}}
}

func (guestbook) Judge(u *unstructured.Unstructured) (bool, string, bool) {
	if u.GroupVersionKind() != guestbookKind {
		return false, "", false
	}
	open, _, _ := unstructured.NestedBool(u.Object, "status", "open")
	return open, "Ledger " + u.GetName() + " to open", true
}

func (guestbook) Contracts() []contract.Image {
	return []contract.Image{{Component: guestbookImage, Tag: "1.4.0", Sources: []string{"example/guestbook Dockerfile@1.4.0"}, UID: 101}}
}

// guestbookRelease is the built-in release with the guestbook's image.
func guestbookRelease(version string) *rathausv1alpha1.StackRelease {
	rel := inputs().Release.DeepCopy()
	rel.Spec.Version = "2027.1.0"
	rel.Spec.Components = append(rel.Spec.Components, rathausv1alpha1.Component{Name: guestbookImage, Image: "registry.example.org/guestbook", Version: version})
	return rel
}

// TestOneLineRegistersAService: registering a service is one line, and the rendered objects,
// the inventory, the release's image list, the status, the DNS records, the upgrade rules,
// the platform Secrets, the capability checks and the image contracts all show it.
func TestOneLineRegistersAService(t *testing.T) {
	registered := With(Components, guestbook{})
	in := inputs(func(in *stack.Inputs) {
		in.Release = guestbookRelease("1.4.0")
		in.Platform.Spec.DNS.IngressTargets = []string{"203.0.113.10"}
	})
	in, err := Derive(in, registered)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := State(in, registered)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("rendered objects", func(t *testing.T) {
		for _, want := range []string{"Deployment/kiel/rathaus-guestbook", "Ledger/kiel/rathaus-guestbook", "Ingress/kiel/rathaus-guestbook"} {
			if !slices.ContainsFunc(objs, func(u *unstructured.Unstructured) bool { return Key(u) == want }) {
				t.Errorf("%s not rendered", want)
			}
		}
	})
	t.Run("inventory", func(t *testing.T) {
		kinds := Kinds(registered)
		if !slices.Contains(kinds, guestbookKind) || slices.Contains(Kinds(Components), guestbookKind) {
			t.Errorf("Kinds: the Ledger kind must be in the inventory exactly when the guestbook is registered")
		}
	})
	t.Run("release image list", func(t *testing.T) {
		rel := guestbookRelease("1.4.0")
		with, err := ReleaseImages(rel, registered, "")
		if err != nil {
			t.Fatal(err)
		}
		without, _ := ReleaseImages(rel, Components, "")
		const ref = "registry.example.org/guestbook:1.4.0"
		if !slices.Contains(with, ref) || slices.Contains(without, ref) {
			t.Errorf("ReleaseImages: %s must be listed exactly when the guestbook is registered", ref)
		}
	})
	t.Run("status", func(t *testing.T) {
		i := slices.IndexFunc(in.Endpoints, func(e stack.Endpoint) bool { return e.Service == "guestbook" })
		if i < 0 || in.Endpoints[i].URL != "https://guestbook.kiel.de" || in.Endpoints[i].Version != "1.4.0" || in.Endpoints[i].ConditionType != "GuestbookReady" {
			t.Fatalf("Endpoints = %+v, want the guestbook at 1.4.0", in.Endpoints)
		}
		observed := map[string]client.Object{}
		for _, u := range objs {
			if u.GetKind() == "Ledger" {
				observed[Key(u)] = u.DeepCopy()
			}
		}
		reports := health.Components(in, registered, objs, observed)
		i = slices.IndexFunc(reports, func(r health.Report) bool { return r.Component == "guestbook" })
		if i < 0 || reports[i].ConditionType != "GuestbookReady" || reports[i].Ready {
			t.Fatalf("health reports = %+v, want the guestbook waiting", reports)
		}
		if msg := reports[i].Message; msg != "Deployment rathaus-guestbook to be observed, Ledger rathaus-guestbook to open, Ingress rathaus-guestbook to be observed" {
			t.Errorf("guestbook waits for %q; the service's own judge must speak for its Ledger", msg)
		}
	})
	t.Run("DNS records", func(t *testing.T) {
		records := Records(in, registered)
		for _, want := range []rathausv1alpha1.DNSRecord{
			{Name: "guestbook.kiel.de", Type: "A", Value: "203.0.113.10", TTL: dns.DefaultTTL},
			{Name: "_guestbook.kiel.de", Type: "TXT", Value: "v=guestbook1", TTL: dns.DefaultTTL},
		} {
			if !slices.Contains(records, want) {
				t.Errorf("records lack %+v", want)
			}
		}
		if !slices.Contains(ClaimedHosts(in.Workspace, registered), "guestbook.kiel.de") {
			t.Errorf("the guestbook's host is not claimed, so another town could take it")
		}
	})
	t.Run("upgrade plan", func(t *testing.T) {
		declared, err := ReleaseComponents(registered)
		if err != nil {
			t.Fatal(err)
		}
		rules := upgrade.NewRulebook(declared)
		running := upgrade.VersionsOf(guestbookRelease("1.4.0"))
		plan := func(to string) ([]upgrade.Step, error) {
			target := guestbookRelease(to)
			target.Spec.Version = "2027.2.0"
			return upgrade.Plan(upgrade.Request{Running: running, Current: "2027.1.0", Target: target, Rules: rules})
		}
		// A patch of the guestbook migrates its data: the step is snapshotted first.
		steps, err := plan("1.5.0")
		if err != nil || len(steps) != 1 || !steps[0].Stateful() {
			t.Fatalf("plan to 1.5.0 = %v, %v; want one step that backs up first", steps, err)
		}
		// A new major is never done implicitly under its SameMajor rule.
		var refused *upgrade.RefusedError
		if _, err := plan("2.0.0"); !errors.As(err, &refused) || refused.Reason != rathausv1alpha1.ReasonMajorUpgradeRefused || refused.Component != guestbookImage {
			t.Fatalf("plan to 2.0.0: %v; want the guestbook's major upgrade refused", err)
		}
		// Unregistered, the same component is nobody's: forward only, nothing to back up.
		unregistered, err := ReleaseComponents(Components)
		if err != nil {
			t.Fatal(err)
		}
		if upgrade.NewRulebook(unregistered).Stateful(guestbookImage) {
			t.Errorf("the guestbook's rules apply without its registration")
		}
	})
	t.Run("platform Secrets, capabilities and contracts", func(t *testing.T) {
		if !slices.Contains(PlatformSecretRefs(in.Platform, registered), guestbookSecret) {
			t.Errorf("the guestbook's platform Secret is not read")
		}
		if !slices.ContainsFunc(Needs(in.Workspace, in.Platform, registered), func(n stack.Need) bool { return n.Kind == guestbookKind }) {
			t.Errorf("the Ledger CRD is not checked before use")
		}
		if !slices.ContainsFunc(Contracts(registered), func(c contract.Image) bool { return c.Component == guestbookImage }) {
			t.Errorf("the guestbook's image contract is not collected")
		}
	})
}

// TestEveryRenderedKindIsInTheInventory: an object of a kind no component declares would
// never be pruned, watched or covered by the operator's RBAC. Over the contract matrix, every
// object a component renders has a kind that component declares (stack.KindOwner).
func TestEveryRenderedKindIsInTheInventory(t *testing.T) {
	declared := map[string][]schema.GroupVersionKind{}
	for _, c := range Components {
		if k, ok := c.(stack.KindOwner); ok {
			declared[c.Name()] = k.Kinds()
		}
	}
	for _, c := range append(contractMatrix(), contractCase{rathausv1alpha1.SizeM, rathausv1alpha1.DatabaseCloudNativePG, "bundled", "LoadBalancer", true}) {
		in, err := Derive(contractInputs(c), Components)
		if err != nil {
			t.Fatal(err)
		}
		in.Platform.Spec.Ingress.Gateway = &rathausv1alpha1.GatewayRef{Namespace: "gateways", Name: "public"}
		in.Platform.Spec.Ingress.ClusterIssuer = "letsencrypt"
		objs, err := State(in, Components)
		if err != nil {
			t.Fatal(err)
		}
		specs, err := Secrets(in, Components)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			if !slices.Contains(declared[s.Component], kit.SecretKind) {
				t.Errorf("%s: component %s has generated Secrets but does not declare Secret", c, s.Component)
			}
		}
		for _, u := range objs {
			if u.GetKind() == "Namespace" {
				continue
			}
			component := u.GetLabels()["app.kubernetes.io/component"]
			if !slices.Contains(declared[component], u.GroupVersionKind()) {
				t.Errorf("%s: component %s renders %s but does not declare it", c, component, u.GroupVersionKind())
			}
		}
	}
}

func ExampleWith() {
	fmt.Println(len(With(Components, guestbook{})) == len(Components)+1)
	// Output: true
}
