package controllers_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/tenant"
)

// as returns a client that acts as user, the way kubectl with a municipality's credentials
// would: the API server authorizes and admits every request as that user.
func as(user string) client.Client {
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user}
	cl, err := client.New(c, client.Options{Scheme: controllers.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// installWorkspaceRoles applies the ClusterRoles config/rbac ships for providers to hand out.
func installWorkspaceRoles(ctx context.Context) {
	applyManifests(ctx, filepath.Join("..", "config", "rbac", "workspace_roles.yaml"))
}

// changeAs changes the workspace as user, retrying when the operator wrote in between.
func changeAs(ctx context.Context, user string, ws *rathausv1alpha1.MunicipalityWorkspace, mutate func(*rathausv1alpha1.MunicipalityWorkspace)) error {
	c := as(user)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got := &rathausv1alpha1.MunicipalityWorkspace{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(ws), got); err != nil {
			return err
		}
		mutate(got)
		return c.Update(ctx, got)
	})
}

// The line between the provider and the municipality (docs/api.md, "Fields by owner"), held
// by the workspace-fields admission policy of config/admission against the municipality's
// own admins: the tenant Role the operator binds to tenantAccess, and Kubernetes' edit role.
var _ = Describe("Tenant boundary", Ordered, func() {
	const municipalityAdmin = "anna@kiel.example"
	var (
		ctx context.Context
		ws  *rathausv1alpha1.MunicipalityWorkspace
	)

	BeforeAll(func() {
		ctx = context.Background()
		installWorkspaceRoles(ctx)
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		ns := createNamespace(ctx)
		ws = newWorkspace(ns, ns+".example", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.TenantAccess = rathausv1alpha1.TenantAccess{Users: []string{municipalityAdmin}}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		waitReady(ctx, ws)
		// The operator binds the tenant Role to the workspace's tenantAccess.
		Eventually(func() error {
			return k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.TenantRoleBindingName}, &rbacv1.RoleBinding{})
		}).Should(Succeed())
		Eventually(func() error {
			return changeAs(ctx, municipalityAdmin, ws, func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Admins = []string{"it@" + ws.Spec.Domain} })
		}).Should(Succeed(), "the municipality's admin edits its own fields")
	})

	DescribeTable("refuses the municipality's admin what is the provider's",
		func(mutate func(*rathausv1alpha1.MunicipalityWorkspace), say string) {
			before := getWorkspace(ctx, ws)
			err := changeAs(ctx, municipalityAdmin, ws, mutate)
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsForbidden(err) || apierrors.IsInvalid(err)).To(BeTrue(), err.Error())
			Expect(err.Error()).To(ContainSubstring(say))
			after := getWorkspace(ctx, ws)
			Expect(after.Spec).To(Equal(before.Spec), "a refused change leaves the workspace as it was")
			Expect(after.OwnerReferences).To(Equal(before.OwnerReferences))
		},
		// Hole 1: deleting the town's data in one patch, and lifting the namespace protection.
		Entry("deletionPolicy Delete with files off", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
			ws.Spec.Services.Files.Enabled = false
		}, "spec.deletionPolicy"),
		Entry("suspend", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Suspend = true }, "spec.suspend"),
		// Hole 2: an owner reference lets the garbage collector delete the workspace.
		Entry("an owner reference", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.OwnerReferences = append(ws.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "00000000-0000-0000-0000-000000000001"})
		}, "metadata.ownerReferences"),
		Entry("the operator's finalizer removed", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Finalizers = nil }, "metadata.finalizers"),
		Entry("an operator label", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			if ws.Labels == nil {
				ws.Labels = map[string]string{}
			}
			ws.Labels["rathaus.io/workspace"] = "other"
		}, "rathaus.io/ labels"),
		// Hole 3: cost and the upgrade policy.
		Entry("size XL", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Size = rathausv1alpha1.SizeXL }, "spec.size"),
		Entry("a pinned release", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: "2026.8.0"}
		}, "spec.release"),
		Entry("upgrades without backup", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Upgrades = rathausv1alpha1.UpgradePolicy{AllowWithoutBackup: true}
		}, "spec.upgrades"),
		// A restore overwrites the town's data with a backup's and stops its services meanwhile.
		Entry("a restore", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Restore = &rathausv1alpha1.WorkspaceRestore{ID: "tenant-asks"}
		}, "spec.restore"),
		// Hole 4: another customer's platform, its pull Secret and S3 keys.
		Entry("another platform", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Platform = "other-customer" }, "spec.platform"),
		// Hole 5: who may change the workspace.
		Entry("wider tenant access", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.TenantAccess.Groups = append(ws.Spec.TenantAccess.Groups, "everyone-at-kiel")
		}, "spec.tenantAccess"),
		Entry("tenant access for every authenticated user", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.TenantAccess.Groups = append(ws.Spec.TenantAccess.Groups, "system:authenticated")
		}, "system:"),
		// Hole 6: names outside the town's domain, and the domain itself.
		Entry("a host outside the domain", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: "files.provider.example"}}
		}, "service hosts must lie inside"),
		Entry("the domain", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Domain = "kiel.example" }, "spec.domain"),
		Entry("the identity provider", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://login.attacker.example"}
		}, "spec.identity"),
		Entry("the municipality key", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.MunicipalityKey = "01002000" }, "spec.municipalityKey"),
	)

	It("lets the municipality's admin change the municipality's fields", func() {
		Expect(changeAs(ctx, municipalityAdmin, ws, func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Services.Video = rathausv1alpha1.VideoService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Host: "meet." + ws.Spec.Domain}, MaxParticipants: 50}
			ws.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "03:00", Duration: "3h", TimeZone: "Europe/Berlin"}
			ws.Spec.Backup = &rathausv1alpha1.WorkspaceBackup{Time: "23:30"}
		})).To(Succeed())
	})

	It("refuses the municipality's admin deleting the workspace", func() {
		err := as(municipalityAdmin).Delete(ctx, getWorkspace(ctx, ws))
		Expect(err).To(HaveOccurred())
		Expect(getWorkspace(ctx, ws).DeletionTimestamp).To(BeNil())
	})

	It("leaves every field to the provider", func() {
		updateWorkspace(ctx, ws, func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Size = rathausv1alpha1.SizeM })
		Expect(getWorkspace(ctx, ws).Spec.Size).To(Equal(rathausv1alpha1.SizeM))
	})

	It("lets a provider account with rathaus-workspace-provider change provider fields", func() {
		provider := "onboarding@provider.example"
		Expect(k8s.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: "provider"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "rathaus-workspace-provider"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: provider}},
		})).To(Succeed())
		Eventually(func() error {
			return changeAs(ctx, provider, ws, func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Size = rathausv1alpha1.SizeS })
		}).Should(Succeed())
	})

	// Hole 6 (claiming a town's domain before onboarding) and Kubernetes' aggregated edit role.
	It("refuses creating workspaces to whoever may edit a namespace", func() {
		ns := createNamespace(ctx)
		editor := "namespace-editor@kiel.example"
		Expect(k8s.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "editor"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "rathaus-workspace-editor"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: editor}},
		})).To(Succeed())
		claim := newWorkspace(ns, "flensburg.example")
		err := as(editor).Create(ctx, claim)
		Expect(err).To(HaveOccurred())
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), err.Error())
	})

	// Hole 6: a name inside another municipality's zone, taken first, would stall the town
	// when it switches the service on; now the newcomer stalls and the town keeps its zone.
	It("keeps every name inside a workspace's domain to that workspace", func() {
		inZone := newWorkspace(createNamespace(ctx), "www."+ws.Spec.Domain)
		Expect(k8s.Create(ctx, inZone)).To(Succeed())
		Eventually(condition(ctx, inZone, "Stalled")).Should(Equal("True/DomainConflict"))
		Expect(meta.FindStatusCondition(getWorkspace(ctx, inZone).Status.Conditions, "Stalled").Message).To(ContainSubstring("lies inside the domain of another workspace"))

		hostInZone := newWorkspace(createNamespace(ctx), "elsewhere-"+ws.Namespace+".example", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Services.Files = rathausv1alpha1.FilesService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true, Host: "media." + ws.Spec.Domain}}
		})
		Expect(k8s.Create(ctx, hostInZone)).To(Succeed())
		Eventually(condition(ctx, hostInZone, "Stalled")).Should(Equal("True/DomainConflict"))
		waitReady(ctx, ws)
	})

	// Domains belong to the provider's onboarding: the namespace records the town's domain.
	It("ties a workspace to the domain recorded on its namespace", func() {
		recorded := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:        uniqueName("town"),
			Annotations: map[string]string{"rathaus.io/domain": "recorded-town.example"},
		}}
		Expect(k8s.Create(ctx, recorded)).To(Succeed())
		Eventually(func() error {
			return k8s.Create(ctx, newWorkspace(recorded.Name, "other-town.example"), client.DryRunAll)
		}).Should(MatchError(ContainSubstring("is recorded for the domain recorded-town.example")))
		Expect(k8s.Create(ctx, newWorkspace(recorded.Name, "recorded-town.example"), client.DryRunAll)).To(Succeed())
	})

	// Under deletionPolicy Delete, switching a service off deletes its data: the provider's call.
	It("refuses the municipality switching a service off when that would delete its data", func() {
		ns := createNamespace(ctx)
		const admin = "delete-policy-admin@kiel.example"
		Expect(k8s.Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "municipality"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "rathaus-workspace-editor"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: admin}},
		})).To(Succeed())
		deleting := newWorkspace(ns, ns+".example", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
			w.Spec.Services.Video.Enabled = true
		})
		Expect(k8s.Create(ctx, deleting)).To(Succeed())
		var err error
		Eventually(func() error {
			err = changeAs(ctx, admin, deleting, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Video.Enabled = false })
			if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "rathaus-workspace-fields") {
				return nil
			}
			return fmt.Errorf("want refused by the workspace-fields policy, got %v", err)
		}).Should(Succeed())
		Expect(err.Error()).To(ContainSubstring("switching a service off deletes its data"))
		Expect(getWorkspace(ctx, deleting).Spec.Services.Video.Enabled).To(BeTrue())
		// Switching one on is the municipality's, whatever the policy.
		Expect(changeAs(ctx, admin, deleting, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Services.Mail.Enabled = true })).To(Succeed())
	})

	// Hole 8: system namespaces.
	It("refuses workspaces in system namespaces, to the provider too", func() {
		for _, ns := range []string{"kube-system", "kube-public", "default"} {
			err := k8s.Create(ctx, newWorkspace(ns, "system.example"), client.DryRunAll)
			Expect(err).To(MatchError(ContainSubstring("is a system namespace")), ns)
		}
	})

	It("refuses system principals in tenantAccess, to the provider too", func() {
		for _, subject := range []func(*rathausv1alpha1.TenantAccess){
			func(a *rathausv1alpha1.TenantAccess) { a.Groups = []string{"system:masters"} },
			func(a *rathausv1alpha1.TenantAccess) { a.Groups = []string{"system:unauthenticated"} },
			func(a *rathausv1alpha1.TenantAccess) { a.Users = []string{"system:anonymous"} },
			func(a *rathausv1alpha1.TenantAccess) {
				a.Users = []string{"system:serviceaccount:kube-system:default"}
			},
		} {
			bad := getWorkspace(ctx, ws)
			subject(&bad.Spec.TenantAccess)
			Expect(k8s.Update(ctx, bad, client.DryRunAll)).To(MatchError(ContainSubstring("system:")))
		}
	})
})

// What the schema refuses for everyone, the provider included: input the operator would
// otherwise retry forever, open egress for, or be blinded by.
var _ = Describe("Schema limits", func() {
	ctx := context.Background()
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a'
		}
		return string(b)
	}

	DescribeTable("refuses workspaces at admission",
		func(mutate func(*rathausv1alpha1.MunicipalityWorkspace), say string) {
			ws := newWorkspace(createNamespace(ctx), "schema.example", mutate)
			err := k8s.Create(ctx, ws, client.DryRunAll)
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), err.Error())
			Expect(err.Error()).To(ContainSubstring(say))
		},
		// Hole 7: issuers the services' egress would be opened to.
		Entry("an issuer with credentials", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://user:secret@login.kiel.example/realms/x"}
		}, "must not carry credentials"),
		Entry("an issuer at the metadata address", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://169.254.169.254/latest"}
		}, "not an IP address"),
		Entry("an issuer at an IPv6 address", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://[fd00::1]:8443/x"}
		}, "not an IP address"),
		Entry("an issuer at the API server", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Identity = rathausv1alpha1.IdentitySpec{Mode: rathausv1alpha1.IdentityExternal, IssuerURL: "https://kubernetes.default.svc/x"}
		}, "not a cluster-internal name"),
		// Hole 10: names derived from these would exceed Kubernetes' limits.
		Entry("a name of 64 characters", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Name = long(64) }, "at most 63 characters"),
		Entry("a domain of 250 characters", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.Domain = long(60) + "." + long(60) + "." + long(60) + "." + long(60) + ".de"
		}, "spec.domain"),
		// Hole 12: lenient values.
		Entry("a cluster-internal domain", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.Domain = "kiel.cluster.local" }, "public DNS name"),
		Entry("an AGS of Land 00", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.MunicipalityKey = "00002000" }, "code of a Land"),
		Entry("an AGS of Land 99", func(ws *rathausv1alpha1.MunicipalityWorkspace) { ws.Spec.MunicipalityKey = "99002000" }, "code of a Land"),
		Entry("the time zone Local", func(ws *rathausv1alpha1.MunicipalityWorkspace) {
			ws.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "03:00", Duration: "2h", TimeZone: "Local"}
		}, "IANA time zone"),
	)

	// Hole 9 and 10: one platform the operator cannot decode would blind it to every other;
	// a size of nothing would be retried forever.
	DescribeTable("refuses platforms at admission",
		func(mutate func(*rathausv1alpha1.WorkspacePlatform), say string) {
			p := &rathausv1alpha1.WorkspacePlatform{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("schema")}}
			mutate(p)
			err := k8s.Create(ctx, p, client.DryRunAll)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(say))
		},
		// Hole 11: a selector that matches every namespace opens every web pod to all of them.
		Entry("an ingress controller selector matching everything", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Ingress.ControllerNamespaceSelector = &metav1.LabelSelector{}
		}, "must select by labels"),
		Entry("a DNS selector matching everything", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Network.DNSNamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{}}
		}, "must select by labels"),
		Entry("cluster networks that are no CIDRs", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Network.ClusterNetworks = []string{"10.244.0.0/16", "pods"}
		}, "IPv4 CIDRs"),
		Entry("an IPv6 cluster network", func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Network.ClusterNetworks = []string{"fd00::/8"}
		}, "IPv4 CIDRs"),
		Entry("a storage size of 0", func(p *rathausv1alpha1.WorkspacePlatform) {
			zero := resourceMustParse("0")
			p.Spec.Sizes = []rathausv1alpha1.SizeOverride{{Size: rathausv1alpha1.SizeS, Storage: &zero}}
		}, "more than 0"),
	)

	It("refuses a canary soak that is no duration", func() {
		p := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "rathaus.io/v1alpha1", "kind": "WorkspacePlatform",
			"metadata": map[string]any{"name": uniqueName("forever")},
			"spec":     map[string]any{"upgrades": map[string]any{"canarySoak": "forever"}},
		}}
		Expect(k8s.Create(ctx, p, client.DryRunAll)).To(MatchError(ContainSubstring("a duration such as 24h")))
	})
})

// Hole 12: a second workspace with the same AGS would claim to be the same municipality.
var _ = Describe("One workspace per municipality", func() {
	It("stalls a second workspace with a municipality key already in use", func() {
		ctx := context.Background()
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		key := func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.MunicipalityKey = "01003000" }
		first := newWorkspace(createNamespace(ctx), "luebeck-ags.example", key)
		Expect(k8s.Create(ctx, first)).To(Succeed())
		waitReady(ctx, first)
		second := newWorkspace(createNamespace(ctx), "luebeck-ags-2.example", key)
		Expect(k8s.Create(ctx, second)).To(Succeed())
		Eventually(condition(ctx, second, "Stalled")).Should(Equal("True/MunicipalityKeyConflict"))
		waitReady(ctx, first)
	})
})

// The first login needs no mail: each admin's one-time password is in a Secret the tenant role
// may read, and no other Secret is.
var _ = Describe("First login", func() {
	It("gives the municipality's admins their one-time passwords and the console address", func() {
		ctx := context.Background()
		ensurePlatform(ctx, rathausv1alpha1.DefaultPlatformName)
		const admin = "it-lead@first-login.example"
		ws := newWorkspace(createNamespace(ctx), "first-login.example", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Services.Files.Enabled = true
			w.Spec.Admins = []string{admin}
			w.Spec.TenantAccess = rathausv1alpha1.TenantAccess{Users: []string{admin}}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(func() *rathausv1alpha1.IdentityStatus { return getWorkspace(ctx, ws).Status.Identity }).ShouldNot(BeNil())
		st := getWorkspace(ctx, ws).Status.Identity
		Expect(st.ConsoleURL).To(Equal("https://id.first-login.example/admin/" + ws.Namespace + "/console/"))

		tenantClient := as(admin)
		secret := &corev1.Secret{}
		Eventually(func() error {
			return tenantClient.Get(ctx, client.ObjectKey{Namespace: ws.Namespace, Name: st.InitialPasswordsSecret}, secret)
		}).Should(Succeed())
		Expect(secret.Data).To(HaveKey("it-lead-first-login.example"))
		Expect(secret.Data["it-lead-first-login.example"]).To(HaveLen(24))
		err := tenantClient.Get(ctx, client.ObjectKey{Namespace: ws.Namespace, Name: "rathaus-nextcloud-admin"}, &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), fmt.Sprint(err))
	})
})

// A bug or a stolen token of the operator must not reach namespaces that hold no workspace:
// config/admission/operator-scope.yaml admits its ServiceAccount's writes only where a
// workspace's namespace label is.
var _ = Describe("Operator scope", func() {
	It("admits the operator's writes only in namespaces holding a workspace", func() {
		ctx := context.Background()
		const operator = "system:serviceaccount:rathaus-system:rathaus-manager"
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: uniqueName("operator-scope")},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: operator}},
		}
		Expect(k8s.Create(ctx, binding)).To(Succeed())
		op := as(operator)
		cm := func(ns string) *corev1.ConfigMap {
			return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"}}
		}

		elsewhere := createNamespace(ctx)
		Eventually(func() error { return op.Create(ctx, cm(elsewhere), client.DryRunAll) }).Should(MatchError(ContainSubstring("writes only in namespaces that hold a workspace")))
		Expect(op.Create(ctx, cm("kube-system"), client.DryRunAll)).To(MatchError(ContainSubstring("writes only in namespaces that hold a workspace")))

		town := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("town"), Labels: map[string]string{"rathaus.io/workspace": "workspace"}}}
		Expect(k8s.Create(ctx, town)).To(Succeed())
		Eventually(func() error { return op.Create(ctx, cm(town.Name), client.DryRunAll) }).Should(Succeed())
	})
})

// The municipality chooses its maintenance window, within the limits the provider sets.
var _ = Describe("Maintenance window limits", func() {
	It("stalls a window outside the platform's limits until the municipality moves it", func() {
		ctx := context.Background()
		platform := ensurePlatform(ctx, uniqueName("night-windows"), func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Upgrades.WindowLimits = &rathausv1alpha1.MaintenanceWindowLimits{Days: []rathausv1alpha1.DayOfWeek{"Saturday", "Sunday"}, EarliestStart: "22:00", LatestStart: "04:00", MaxDuration: "6h"}
		})
		ws := newWorkspace(createNamespace(ctx), "window-limits.example", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform.Name
			w.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Monday"}, Start: "09:00", Duration: "4h", TimeZone: "Europe/Berlin"}
		})
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/MaintenanceWindowNotAllowed"))
		Expect(meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, "Stalled").Message).To(ContainSubstring("days must be among Saturday, Sunday"))

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.MaintenanceWindow = &rathausv1alpha1.MaintenanceWindow{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "02:00", Duration: "4h", TimeZone: "Europe/Berlin"}
		})
		waitReady(ctx, ws)
	})
})
