package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/testutil/rollout"
)

// Releases of these specs live in channels of their own and far in the future, so that no
// other spec's workspace sees them.
var releaseYear = 2040

// publish creates a release of the built-in components with nextcloud at the given tag, in
// one channel, and returns its version.
func publish(ctx context.Context, channel, nextcloudTag string) string {
	releaseYear++
	return publishAs(ctx, fmt.Sprintf("%d.1.0", releaseYear), channel, nextcloudTag)
}

func publishAs(ctx context.Context, version, channel, nextcloudTag string) string {
	r := release.BuiltIn()
	r.TypeMeta = metav1.TypeMeta{}
	r.Name, r.Spec.Version, r.Spec.Channels = version, version, []string{channel}
	for i := range r.Spec.Components {
		if r.Spec.Components[i].Name == "nextcloud" {
			r.Spec.Components[i].Version = nextcloudTag
		}
	}
	Expect(k8s.Create(ctx, r)).To(Succeed())
	return version
}

func upgradeOf(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) rathausv1alpha1.UpgradeStatus {
	got := getWorkspace(ctx, ws)
	if got.Status.Upgrade == nil {
		return rathausv1alpha1.UpgradeStatus{}
	}
	return *got.Status.Upgrade
}

func currentRelease(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) func() string {
	return func() string { return upgradeOf(ctx, ws).Current }
}

// markHealthy plays the kubelet and the workload controllers envtest lacks: every workload of
// the namespace reports its current generation rolled out and available, every Job complete,
// every claim bound.
func markHealthy(ctx context.Context, ns string) {
	var deployments appsv1.DeploymentList
	Expect(k8s.List(ctx, &deployments, client.InNamespace(ns))).To(Succeed())
	for _, d := range deployments.Items {
		d.Status = rollout.Deployment(&d)
		Expect(client.IgnoreNotFound(k8s.Status().Update(ctx, &d))).To(Succeed())
	}
	var sets appsv1.StatefulSetList
	Expect(k8s.List(ctx, &sets, client.InNamespace(ns))).To(Succeed())
	for _, s := range sets.Items {
		s.Status = rollout.StatefulSet(&s)
		Expect(client.IgnoreNotFound(k8s.Status().Update(ctx, &s))).To(Succeed())
	}
	var jobs batchv1.JobList
	Expect(k8s.List(ctx, &jobs, client.InNamespace(ns))).To(Succeed())
	for _, j := range jobs.Items {
		if j.Status.Succeeded > 0 {
			continue
		}
		j.Status = rollout.Job(metav1.Now())
		Expect(client.IgnoreNotFound(k8s.Status().Update(ctx, &j))).To(Succeed())
	}
	var claims corev1.PersistentVolumeClaimList
	Expect(k8s.List(ctx, &claims, client.InNamespace(ns))).To(Succeed())
	for _, c := range claims.Items {
		if c.Status.Phase != corev1.ClaimBound {
			c.Status.Phase = corev1.ClaimBound
			Expect(client.IgnoreNotFound(k8s.Status().Update(ctx, &c))).To(Succeed())
		}
	}
}

// becomeHealthy marks the namespace healthy until the workspace reports Ready: objects appear
// one after another (setup Jobs after the database).
func becomeHealthy(ctx context.Context, ws *rathausv1alpha1.MunicipalityWorkspace) {
	Eventually(func() string {
		markHealthy(ctx, ws.Namespace)
		return condition(ctx, ws, "Ready")()
	}, "60s", "500ms").Should(Equal("True/Provisioned"))
}

// installVolumeSnapshotCRD installs the snapshot API as far as the operator uses it
// (kubernetes-csi/external-snapshotter's CRD, without its schema).
func installVolumeSnapshotCRD(ctx context.Context) {
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata": map[string]any{
			"name": "volumesnapshots.snapshot.storage.k8s.io",
			// *.k8s.io groups need it; the upstream CRD carries this one.
			"annotations": map[string]any{"api-approved.kubernetes.io": "https://github.com/kubernetes-csi/external-snapshotter/pull/814"},
		},
		"spec": map[string]any{
			"group": "snapshot.storage.k8s.io",
			"names": map[string]any{"plural": "volumesnapshots", "singular": "volumesnapshot", "kind": "VolumeSnapshot", "listKind": "VolumeSnapshotList"},
			"scope": "Namespaced",
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema":       map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
	Expect(client.IgnoreAlreadyExists(k8s.Create(ctx, crd))).To(Succeed())
	Eventually(func() string {
		got := crd.DeepCopy()
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(crd), got)).To(Succeed())
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Established" {
				return fmt.Sprint(m["status"])
			}
		}
		return ""
	}).Should(Equal("True"))
}

func upgradePlatform(ctx context.Context, mutate func(*rathausv1alpha1.WorkspacePlatform)) string {
	name := uniqueName("upgrades")
	if mutate == nil {
		mutate = func(*rathausv1alpha1.WorkspacePlatform) {}
	}
	ensurePlatform(ctx, name, mutate)
	return name
}

func updatePlatform(ctx context.Context, name string, mutate func(*rathausv1alpha1.WorkspacePlatform)) {
	Eventually(func() error {
		p := &rathausv1alpha1.WorkspacePlatform{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, p); err != nil {
			return err
		}
		mutate(p)
		return k8s.Update(ctx, p)
	}).Should(Succeed())
}

// berlinWindow is a daily window starting offset from now, in Europe/Berlin.
func berlinWindow(offset, duration time.Duration) *rathausv1alpha1.MaintenanceWindow {
	berlin, err := time.LoadLocation("Europe/Berlin")
	Expect(err).NotTo(HaveOccurred())
	start := time.Now().Add(offset).In(berlin)
	return &rathausv1alpha1.MaintenanceWindow{
		Days:     []rathausv1alpha1.DayOfWeek{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		Start:    start.Format("15:04"),
		Duration: fmt.Sprintf("%dm", int(duration.Minutes())),
		TimeZone: "Europe/Berlin",
	}
}

var _ = Describe("Upgrades", Ordered, func() {
	ctx := context.Background()

	BeforeAll(func() { installVolumeSnapshotCRD(ctx) })

	// onChannel makes a workspace of the platform follow a channel; files on when asked.
	onChannel := func(platform, channel string, files bool, mutate ...func(*rathausv1alpha1.MunicipalityWorkspace)) *rathausv1alpha1.MunicipalityWorkspace {
		ns := createNamespace(ctx)
		ws := newWorkspace(ns, ns+".example.de", func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Platform = platform
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Channel: channel}
			w.Spec.Services.Files.Enabled = files
			w.Spec.Upgrades.Immediate = true
		})
		for _, m := range mutate {
			m(ws)
		}
		Expect(k8s.Create(ctx, ws)).To(Succeed())
		return ws
	}

	It("starts an upgrade only inside the maintenance window", func() {
		platform := upgradePlatform(ctx, nil)
		channel := uniqueName("window")
		first := publish(ctx, channel, "34.0.2-apache")
		ws := onChannel(platform, channel, false, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Upgrades.Immediate = false
			w.Spec.MaintenanceWindow = berlinWindow(3*time.Hour, 30*time.Minute)
		})
		Eventually(currentRelease(ctx, ws)).Should(Equal(first), "a new workspace installs its release at once")
		Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("True/UpToDate"))

		second := publish(ctx, channel, "34.0.3-apache")
		Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("False/WaitingForWindow"))
		Consistently(func() string { return getWorkspace(ctx, ws).Status.Release }, "3s").Should(Equal(first))
		Expect(upgradeOf(ctx, ws).Target).To(Equal(second))

		By("opening the window")
		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.MaintenanceWindow = berlinWindow(-time.Hour, 4*time.Hour)
		})
		Eventually(currentRelease(ctx, ws)).Should(Equal(second))
		Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("True/UpToDate"))
		u := upgradeOf(ctx, ws)
		Expect(u.History).To(HaveLen(1))
		Expect(u.History[0]).To(And(HaveField("From", first), HaveField("To", second), HaveField("Result", rathausv1alpha1.UpgradeSucceeded)))
		Expect(u.Components).To(ContainElement(rathausv1alpha1.ComponentVersion{Name: "nextcloud", Version: "34.0.3-apache"}))
	})

	It("leaves a pinned workspace untouched by a new release of the channel", func() {
		platform := upgradePlatform(ctx, nil)
		channel := uniqueName("pinned")
		first := publish(ctx, channel, "34.0.2-apache")
		pinned := onChannel(platform, channel, false, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: first}
		})
		following := onChannel(platform, channel, false)
		Eventually(currentRelease(ctx, pinned)).Should(Equal(first))
		Eventually(currentRelease(ctx, following)).Should(Equal(first))

		second := publish(ctx, channel, "34.0.3-apache")
		Eventually(currentRelease(ctx, following)).Should(Equal(second))
		Consistently(currentRelease(ctx, pinned), "2s").Should(Equal(first))
		Expect(upgradeOf(ctx, pinned).Target).To(Equal(first))
		Expect(upgradeOf(ctx, pinned).History).To(BeEmpty())
		Expect(condition(ctx, pinned, "UpToDate")()).To(Equal("True/UpToDate"))
	})

	It("refuses a downgrade and names the component", func() {
		platform := upgradePlatform(ctx, nil)
		channel := uniqueName("downgrade")
		older := publish(ctx, channel, "34.0.2-apache")
		newer := publish(ctx, channel, "34.0.3-apache")
		ws := onChannel(platform, channel, false)
		Eventually(currentRelease(ctx, ws)).Should(Equal(newer))

		updateWorkspace(ctx, ws, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: older}
		})
		Eventually(condition(ctx, ws, "Stalled")).Should(Equal("True/DowngradeRefused"))
		got := getWorkspace(ctx, ws)
		Expect(meta.FindStatusCondition(got.Status.Conditions, "Stalled").Message).To(
			Equal(fmt.Sprintf("release %s would take nextcloud back from 34.0.3-apache to 34.0.2-apache; data migrations are not reversible, so downgrades are never done automatically", older)))
		Expect(got.Status.Release).To(Equal(newer), "the workspace keeps running its release")
		Expect(got.Status.Upgrade.Current).To(Equal(newer))
	})

	It("upgrades canaries first and never more workspaces at once than the platform allows", func() {
		platform := upgradePlatform(ctx, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Upgrades = rathausv1alpha1.PlatformUpgrades{MaxConcurrent: 1, CanarySoak: rathausv1alpha1.NewDuration(time.Hour)}
		})
		channel := uniqueName("waves")
		first := publish(ctx, channel, "33.0.7-apache")
		allow := func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Upgrades.AllowWithoutBackup = true }
		canary := onChannel(platform, channel, true, allow, func(w *rathausv1alpha1.MunicipalityWorkspace) {
			w.Labels = map[string]string{rathausv1alpha1.CanaryLabel: "true"}
		})
		rest := []*rathausv1alpha1.MunicipalityWorkspace{onChannel(platform, channel, true, allow), onChannel(platform, channel, true, allow)}
		all := append([]*rathausv1alpha1.MunicipalityWorkspace{canary}, rest...)
		for _, ws := range all {
			becomeHealthy(ctx, ws)
			Eventually(currentRelease(ctx, ws)).Should(Equal(first))
		}
		inStep := func() []string {
			var out []string
			for _, ws := range all {
				if upgradeOf(ctx, ws).Step != nil {
					out = append(out, ws.Namespace)
				}
			}
			return out
		}

		second := publish(ctx, channel, "34.0.2-apache")
		By("the canary goes first, the others wait for it")
		Eventually(condition(ctx, canary, "UpToDate")).Should(Equal("False/UpgradeInProgress"))
		Expect(upgradeOf(ctx, canary).Step).NotTo(BeNil())
		for _, ws := range rest {
			Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("False/WaitingForCanaries"))
		}
		becomeHealthy(ctx, canary)
		Eventually(currentRelease(ctx, canary)).Should(Equal(second))
		Consistently(inStep, "2s").Should(BeEmpty(), "the canary has not soaked yet")

		By("after the soak, one workspace at a time")
		updatePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Upgrades.CanarySoak = rathausv1alpha1.NewDuration(time.Second)
		})
		Eventually(inStep).Should(HaveLen(1))
		Consistently(inStep, "3s").Should(HaveLen(1))
		for range rest {
			Eventually(inStep).Should(HaveLen(1))
			busy := inStep()
			becomeHealthy(ctx, getWorkspaceIn(ctx, busy[0]))
			Eventually(func() string { return upgradeOf(ctx, getWorkspaceIn(ctx, busy[0])).Current }).Should(Equal(second))
			Eventually(func() int { return len(inStep()) }).Should(BeNumerically("<=", 1))
		}
		for _, ws := range rest {
			Eventually(currentRelease(ctx, ws)).Should(Equal(second))
		}
	})

	It("waits for a backup where none can be taken, and snapshots the volumes where one can", func() {
		platform := upgradePlatform(ctx, nil)
		channel := uniqueName("backup")
		first := publish(ctx, channel, "33.0.7-apache")
		ws := onChannel(platform, channel, true)
		becomeHealthy(ctx, ws)
		Eventually(currentRelease(ctx, ws)).Should(Equal(first))

		second := publish(ctx, channel, "34.0.2-apache")
		Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("False/WaitingForBackup"))
		Expect(meta.FindStatusCondition(getWorkspace(ctx, ws).Status.Conditions, "UpToDate").Message).To(ContainSubstring("names no storage.volumeSnapshotClass"))

		By("naming a snapshot class")
		updatePlatform(ctx, platform, func(p *rathausv1alpha1.WorkspacePlatform) { p.Spec.Storage.VolumeSnapshotClass = "csi-snapshots" })
		Eventually(condition(ctx, ws, "UpToDate")).Should(Equal("False/BackingUp"))
		step := upgradeOf(ctx, ws).Step
		Expect(step.Phase).To(Equal(rathausv1alpha1.UpgradeBackingUp))
		suffix := "-pre-" + strings.ReplaceAll(second, ".", "-")
		Expect(step.Snapshots).To(ConsistOf("rathaus-nextcloud-data"+suffix, "rathaus-postgresql-data"+suffix))
		snapshots := map[string]*unstructured.Unstructured{}
		for _, name := range step.Snapshots {
			s := &unstructured.Unstructured{}
			s.SetAPIVersion("snapshot.storage.k8s.io/v1")
			s.SetKind("VolumeSnapshot")
			Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ws.Namespace, Name: name}, s)).To(Succeed())
			Expect(s.Object["spec"]).To(HaveKeyWithValue("volumeSnapshotClassName", "csi-snapshots"))
			Expect(s.GetOwnerReferences()).To(BeEmpty(), "a backup outlives the workspace")
			snapshots[name] = s
		}
		Consistently(func() string { return getWorkspace(ctx, ws).Status.Release }, "3s").Should(Equal(first), "nothing changes before the snapshots are ready")

		By("the snapshots become ready to use")
		for _, s := range snapshots {
			Expect(unstructured.SetNestedField(s.Object, true, "status", "readyToUse")).To(Succeed())
			Expect(k8s.Status().Update(ctx, s)).To(Succeed())
		}
		Eventually(func() string { return getWorkspace(ctx, ws).Status.Release }).Should(Equal(second))
		becomeHealthy(ctx, ws)
		Eventually(currentRelease(ctx, ws)).Should(Equal(second))
	})

	It("halts a step that never becomes healthy and resumes once it is fixed", func() {
		platform := upgradePlatform(ctx, func(p *rathausv1alpha1.WorkspacePlatform) {
			p.Spec.Upgrades.StepTimeout = rathausv1alpha1.NewDuration(2 * time.Second)
		})
		channel := uniqueName("halt")
		first := publish(ctx, channel, "33.0.7-apache")
		ws := onChannel(platform, channel, true, func(w *rathausv1alpha1.MunicipalityWorkspace) { w.Spec.Upgrades.AllowWithoutBackup = true })
		becomeHealthy(ctx, ws)
		Eventually(currentRelease(ctx, ws)).Should(Equal(first))

		second := publish(ctx, channel, "34.0.2-apache")
		Eventually(condition(ctx, ws, "Stalled"), "20s").Should(Equal("True/UpgradeHalted"))
		got := getWorkspace(ctx, ws)
		msg := meta.FindStatusCondition(got.Status.Conditions, "Stalled").Message
		Expect(msg).To(ContainSubstring(fmt.Sprintf("upgrade step from %s to %s (nextcloud) halted", first, second)))
		Expect(msg).To(ContainSubstring("files: "))
		Expect(got.Status.Upgrade.Step.Halted).To(BeTrue())
		Expect(got.Status.Upgrade.History[0].Result).To(Equal(rathausv1alpha1.UpgradeFailed))
		Expect(got.Status.Release).To(Equal(second), "the state is kept, never rolled back")
		Eventually(eventReasons(ctx, ws.Namespace)).Should(ContainElement("UpgradeHalted"))

		By("fixing the service")
		becomeHealthy(ctx, ws)
		Eventually(currentRelease(ctx, ws)).Should(Equal(second))
		Eventually(condition(ctx, ws, "Stalled")).Should(BeEmpty())
		Expect(condition(ctx, ws, "UpToDate")()).To(Equal("True/UpToDate"))
		history := upgradeOf(ctx, ws).History
		Expect(history).To(HaveLen(2))
		Expect(history[0].Result).To(Equal(rathausv1alpha1.UpgradeSucceeded))
		Expect(history[1].Result).To(Equal(rathausv1alpha1.UpgradeFailed))
	})
})

func getWorkspaceIn(ctx context.Context, namespace string) *rathausv1alpha1.MunicipalityWorkspace {
	ws := &rathausv1alpha1.MunicipalityWorkspace{}
	Expect(k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "workspace"}, ws)).To(Succeed())
	return ws
}
