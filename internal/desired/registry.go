package desired

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/backup"
	"github.com/rathaus-io/rathaus/internal/dns"
	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/images"
	"github.com/rathaus-io/rathaus/internal/jitsi"
	"github.com/rathaus-io/rathaus/internal/keycloak"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/mail/stalwart"
	"github.com/rathaus-io/rathaus/internal/nextcloud"
	"github.com/rathaus-io/rathaus/internal/opencast"
	"github.com/rathaus-io/rathaus/internal/postgres"
	"github.com/rathaus-io/rathaus/internal/residency"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/tenant"
	"github.com/rathaus-io/rathaus/internal/valkey"
)

// Components is the registry: the parts of every workspace's stack, in the order they are
// applied. A new service registers itself here with one line, and every table the operator
// keeps about the stack is derived from this list by the functions below (and by Derive,
// State, Secrets and Contracts): nothing else lists services.
var Components = []stack.Component{
	tenant.Baseline{},
	residency.Placement{},
	postgres.Component{},
	valkey.Component{},
	keycloak.Component{},
	nextcloud.Component{},
	jitsi.Component{},
	mail.Component{Engine: stalwart.Engine{}},
	gaiax.Component{},
	opencast.Component{},
	// After the services: it backs up what they declare (stack.BackedUp).
	backup.Component{},
	// Last: the zone file lists what the services above publish (Records).
	dns.Component{},
}

// With returns the registry with c added before the DNS component, for tests that register
// a service of their own.
func With(components []stack.Component, c stack.Component) []stack.Component {
	out := slices.Clone(components)
	at := len(out)
	if at > 0 {
		if _, last := out[at-1].(dns.Component); last {
			at--
		}
	}
	return slices.Insert(out, at, c)
}

// ClaimedHosts returns the DNS names the workspace uses: its domain and the hosts the enabled
// components serve; sorted and without duplicates. Two workspaces must never share one. It
// reads the workspace alone, so that conflicts are settled before anything else is read.
func ClaimedHosts(ws *rathausv1alpha1.MunicipalityWorkspace, components []stack.Component) []string {
	hosts := []string{ws.Spec.Domain}
	for _, h := range Hosts(ws, components) {
		hosts = append(hosts, h.Name)
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// ClaimedHostsOf is ClaimedHosts of the given components, for the conflict checker.
func ClaimedHostsOf(components []stack.Component) func(*rathausv1alpha1.MunicipalityWorkspace) []string {
	return func(ws *rathausv1alpha1.MunicipalityWorkspace) []string { return ClaimedHosts(ws, components) }
}

// Hosts returns the hosts the workspace's enabled components serve, in component order.
func Hosts(ws *rathausv1alpha1.MunicipalityWorkspace, components []stack.Component) []stack.Host {
	in := stack.Inputs{Workspace: ws, OIDCClients: oidcClients(stack.Inputs{Workspace: ws}, components)}
	var out []stack.Host
	for _, c := range components {
		if h, ok := c.(stack.HostClaimer); ok {
			out = append(out, h.Hosts(in)...)
		}
	}
	return out
}

// Records returns the DNS records of the workspace: its ingress hosts pointing at the
// platform's ingress targets and what the components publish. Called once the public keys
// are known (a DKIM record publishes one); the DNS component renders the same list.
func Records(in stack.Inputs, components []stack.Component) []rathausv1alpha1.DNSRecord {
	var published []rathausv1alpha1.DNSRecord
	for _, c := range components {
		if p, ok := c.(stack.RecordPublisher); ok {
			published = append(published, p.DNSRecords(in)...)
		}
	}
	hosts := slices.DeleteFunc(Hosts(in.Workspace, components), func(h stack.Host) bool { return h.Name == in.Workspace.Spec.Domain })
	return dns.Records(in, hosts, published)
}

// PlatformSecretRefs lists the Secrets of the platform the components read, sorted and
// without duplicates.
func PlatformSecretRefs(p *rathausv1alpha1.WorkspacePlatform, components []stack.Component) []rathausv1alpha1.NamespacedName {
	var out []rathausv1alpha1.NamespacedName
	for _, c := range components {
		if u, ok := c.(stack.PlatformSecretUser); ok {
			out = append(out, u.PlatformSecrets(p)...)
		}
	}
	slices.SortFunc(out, func(a, b rathausv1alpha1.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return slices.Compact(out)
}

// Needs lists the APIs of other projects the workspace's components need on platform p, in
// component order, each kind once.
func Needs(ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform, components []stack.Component) []stack.Need {
	var out []stack.Need
	for _, c := range components {
		if u, ok := c.(stack.CapabilityUser); ok {
			for _, n := range u.Needs(ws, p) {
				if !slices.ContainsFunc(out, func(o stack.Need) bool { return o.Kind == n.Kind }) {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// Kinds lists every kind the components may create in a workspace's namespace, sorted by
// group, version and kind, each once; a component that renders Secrets of its own or has
// generated credentials lists Secret.
func Kinds(components []stack.Component) []schema.GroupVersionKind {
	var out []schema.GroupVersionKind
	for _, c := range components {
		if k, ok := c.(stack.KindOwner); ok {
			out = append(out, k.Kinds()...)
		}
	}
	slices.SortFunc(out, func(a, b schema.GroupVersionKind) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// ReleaseComponents lists the release components the components run, sorted by name. Two
// components naming one release component with different rules is a programming error.
func ReleaseComponents(components []stack.Component) ([]stack.ReleaseComponent, error) {
	var out []stack.ReleaseComponent
	owner := map[string]string{}
	for _, c := range components {
		r, ok := c.(stack.Released)
		if !ok {
			continue
		}
		for _, rc := range r.ReleaseComponents() {
			if i := slices.IndexFunc(out, func(o stack.ReleaseComponent) bool { return o.Name == rc.Name }); i >= 0 {
				if out[i] != rc {
					return nil, fmt.Errorf("components %s and %s declare release component %s differently", owner[rc.Name], c.Name(), rc.Name)
				}
				continue
			}
			owner[rc.Name] = c.Name()
			out = append(out, rc)
		}
	}
	slices.SortFunc(out, func(a, b stack.ReleaseComponent) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ReleaseImages lists the image references of rel that the components run, pulled through
// mirror when one is given; sorted, each once. A component of the release no registered
// component runs is not pulled.
func ReleaseImages(rel *rathausv1alpha1.StackRelease, components []stack.Component, mirror string) ([]string, error) {
	used, err := ReleaseComponents(components)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range rel.Spec.Components {
		if slices.ContainsFunc(used, func(u stack.ReleaseComponent) bool { return u.Name == c.Name }) {
			out = append(out, images.Reference(c, mirror))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
