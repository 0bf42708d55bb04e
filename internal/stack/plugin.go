package stack

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/secrets"
)

// The plug-in contract: what a part of the stack (a service, the database, the tenant
// baseline, ...) tells the operator about itself. Component is required; every other
// interface is optional and implemented only by the parts it concerns. internal/desired holds
// the registry, and every central table (release images, upgrade rules, hosts, DNS records,
// platform Secrets, inventory kinds, capabilities, health, status, image contracts) is derived
// from it: adding a service is its API field, its package and one registration line.

// Component renders one part of a workspace's stack.
type Component interface {
	// Name is the component's name, used in labels and messages.
	Name() string
	// Render returns the component's desired objects. An error means the inputs cannot be
	// rendered (bad input the user must fix), never a transient problem.
	Render(in Inputs) ([]client.Object, error)
}

// Conditioned is a component with a condition of its own in the workspace's status, e.g.
// FilesReady or DatabaseReady. Its availability is judged from its rendered objects.
type Conditioned interface {
	Component
	// ConditionType is the type of the component's condition.
	ConditionType() string
}

// Service is a user-facing component; while enabled it is listed in the workspace's status
// with its address and version.
type Service interface {
	Conditioned
	// Endpoint returns the service's name and URL, and whether it is enabled.
	Endpoint(in Inputs) (name, url string, enabled bool)
	// Version returns the upstream version the service runs at the inputs' release.
	Version(in Inputs) string
}

// Released is a component that runs images of the release: it names the release components
// it uses and what their upstreams allow when they change version.
type Released interface {
	ReleaseComponents() []ReleaseComponent
}

// ReleaseComponent is one entry of a StackRelease's components as a service uses it.
type ReleaseComponent struct {
	// Name is the component's name in StackRelease spec.components, e.g. "nextcloud".
	Name string
	// Upgrade is what its upstream allows when its version changes.
	Upgrade UpgradeRule
	// Stateful components migrate data on a new version (schemas, data directories,
	// indexes): a step changing one is backed up first, and going back is never automatic.
	Stateful bool
}

// UpgradeRule names an upstream's rule for version changes; internal/upgrade judges them.
type UpgradeRule string

const (
	// ForwardOnly allows any move that does not go back.
	ForwardOnly UpgradeRule = "ForwardOnly"
	// OneMajorAtATime allows moving forward within a major version or to the next one.
	OneMajorAtATime UpgradeRule = "OneMajorAtATime"
	// SameMajor allows moving forward within a major version only.
	SameMajor UpgradeRule = "SameMajor"
)

// HostClaimer is a component that serves DNS names of the workspace while it is enabled.
// Hosts are claimed before anything but the workspace is read (conflicts are settled first):
// Hosts may read only in.Workspace and in.OIDCClients, which desired.ClaimedHosts fills from
// the workspace alone.
type HostClaimer interface {
	Hosts(in Inputs) []Host
}

// Host is a DNS name a component claims.
type Host struct {
	Name string
	// Ingress hosts are served by the platform's ingress and point at its targets; others
	// (a mail server's own load balancer) get their records from their component.
	Ingress bool
}

// RecordPublisher is a component that needs DNS records beyond its hosts pointing at the
// ingress (mail: MX, SPF, DKIM, ...). A record whose data is not known yet is left out.
type RecordPublisher interface {
	DNSRecords(in Inputs) []rathausv1alpha1.DNSRecord
}

// PlatformSecretUser is a component that reads Secrets the platform names (object storage,
// relay or Keycloak admin credentials, ...). The reconciler reads them into
// Inputs.PlatformSecrets before rendering, and stalls while one is missing.
type PlatformSecretUser interface {
	PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName
}

// KindOwner is a component that creates objects in the workspace's namespace: it lists every
// kind it may render, so that the operator watches, prunes and deletes them (the inventory)
// and holds RBAC for them.
type KindOwner interface {
	Kinds() []schema.GroupVersionKind
}

// CapabilityUser is a component that needs APIs of other projects (CloudNativePG, Gateway API,
// cert-manager) for some settings; the workspace stalls with the need's reason while the
// cluster lacks them.
type CapabilityUser interface {
	Needs(ws *rathausv1alpha1.MunicipalityWorkspace, p *rathausv1alpha1.WorkspacePlatform) []Need
}

// Need is an API a component needs, and how to say that it is missing.
type Need struct {
	Kind schema.GroupVersionKind
	// Reason is the Stalled reason while the kind is not installed.
	Reason string
	// What completes "WorkspacePlatform <name> asks for ...": what needs the kind and which
	// CRD is missing.
	What string
}

// ForeignJudge is a component that creates objects of other operators whose readiness
// kstatus cannot see (a CloudNativePG Cluster reports it in its Ready condition only). It is
// asked once kstatus finds such an object Current.
type ForeignJudge interface {
	// Judge returns whether obj is ready, and if not, what it waits for; known is false for
	// kinds the component does not judge.
	Judge(obj *unstructured.Unstructured) (ready bool, waitingFor string, known bool)
}

// StatusReporter is a component that owns a part of the workspace's status (fields and
// conditions) and fills it from the inputs, Observed included, once the stack is applied; it
// removes its part when it has nothing to say. now is the reconcile's clock.
type StatusReporter interface {
	ReportStatus(in Inputs, now time.Time, st *rathausv1alpha1.MunicipalityWorkspaceStatus)
}

// InputsOnlyReporter is a StatusReporter whose report is a function of the inputs alone, never
// of the clock. Once a settled workspace's status was found to hold what such a reporter says
// of its inputs, the reconciler does not ask it again while the inputs stay the same: a
// settled fleet's reconciles, and the first ones after a restart, would otherwise redo work
// such as signing Gaia-X credentials (internal/gaiax) only to find the same report.
type InputsOnlyReporter interface {
	StatusReporter
	ReportsFromInputsOnly()
}

// BackedUp is a component whose data must leave the cluster on the platform's backup
// schedule: it says where its data lies and who owns it; the backup component takes it from
// there (internal/backup).
type BackedUp interface {
	BackupSources(in Inputs) []BackupSource
}

// BackupSource is data of a component: a volume, or what a dump program writes.
type BackupSource struct {
	// Store is the kind of data; a store is one repository.
	Store rathausv1alpha1.BackupStore
	// Component is the part that declared it; desired.Derive fills it in.
	Component string
	// Claim is the PersistentVolumeClaim holding the data, mounted read-only; empty for a dump.
	Claim string
	// Exclude are paths below the claim that are not backed up (scratch space, caches).
	Exclude []string
	// UID owns the files: the backup runs as it, so it can read them, and restored files get
	// the right owner without root.
	UID int64
	// Colocate are the labels of the pods that mount a ReadWriteOnce Claim: the backup's pod
	// must run on their node to mount it too.
	Colocate map[string]string
	// Dump writes the data into a scratch directory before the backup (a database's logical
	// dump); nil for a volume.
	Dump *BackupDump
	// PairedDatabases are databases that must agree with the volume (Nextcloud's file cache
	// and its files): the database store's dump program dumps them just before the volume is
	// read, into the same snapshot, and a restore of the volume loads them after the
	// database store's restore. Only where that store is a dump (the bundled PostgreSQL).
	PairedDatabases []string
	// Taken is set for data another operator backs up by itself (CloudNativePG's base backups
	// and WAL archive): where its backups stand. The backup component renders nothing for it
	// and reports this.
	Taken *BackupReport
}

// BackupReport is where backups another operator takes stand.
type BackupReport struct {
	// LastSuccessfulTime is when the newest successful backup finished.
	LastSuccessfulTime *metav1.Time
	// LastScheduleTime is when the newest backup started.
	LastScheduleTime *metav1.Time
	// Since is when the backups were scheduled; zero before the schedule exists.
	Since time.Time
	// Failed: the newest backup that started has ended without success.
	Failed bool
}

// BackupDump is a program that writes data into $DUMP_DIR before the backup runs; when it
// fails, no backup is taken.
type BackupDump struct {
	// ReleaseComponent is the image it runs, a component of the release.
	ReleaseComponent string
	// Script runs under /bin/sh; when it dumps databases, it dumps those $DATABASES names (a
	// volume's paired databases are dumped by the same program with a narrower list).
	Script string
	// Env are the variables Script reads.
	Env []corev1.EnvVar
	// PodLabels are what network policies must see on the pod to let it reach the data
	// (e.g. the database's client label).
	PodLabels map[string]string
}

// OIDCUser is a service whose users log in through the workspace's identity provider.
type OIDCUser interface {
	// OIDCClient returns the service's client, and false while the service needs none. It
	// reads only in.Workspace: which hosts a workspace claims depends on it.
	OIDCClient(in Inputs) (OIDCClient, bool)
}

// DatabaseUser is a component that needs a PostgreSQL database while it is enabled. The
// database component creates one database and role of that name for it.
type DatabaseUser interface {
	Databases(in Inputs) []string
}

// SecretOwner is a component that needs generated credentials. They are created once, before
// the component's objects are applied, and never regenerated while they exist.
type SecretOwner interface {
	Secrets(in Inputs) []secrets.Spec
}

// Exposed is a component with Services of type LoadBalancer or NodePort while it is enabled;
// the tenant quota admits exactly what the enabled ones declare.
type Exposed interface {
	PublicServices(in Inputs) PublicServices
}

// Pender is a component that can know, before any of its objects report, that it must wait:
// for example for the address a load balancer has not assigned yet. Pending returns what it
// waits for, or "" when nothing.
type Pender interface {
	Pending(in Inputs) string
}
