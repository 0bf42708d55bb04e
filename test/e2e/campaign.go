package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/controllers"
	"github.com/rathaus-io/rathaus/internal/ownership"
	"github.com/rathaus-io/rathaus/test/framework"
)

// chaosLabel marks the campaign's namespaces and workspaces.
const chaosLabel = "rathaus.io/chaos"

// result is what the table and the JSON file show.
type result struct {
	Seed                     uint64         `json:"seed"`
	Workspaces               int            `json:"workspaces"`
	Services                 string         `json:"services"`
	CPUs                     int            `json:"cpus"`
	From                     string         `json:"from"`
	To                       string         `json:"to"`
	KillsProvisioning        int            `json:"killsProvisioning"`
	KillsUpgrade             int            `json:"killsUpgrade"`
	KillsRestore             int            `json:"killsRestore"`
	RestoreSeconds           float64        `json:"restoreSeconds"`
	Restored                 int            `json:"restored"`
	KillsWhileConverging     int            `json:"killsWhileConverging"`
	OperatorStarts           int            `json:"operatorStarts"`
	APIServerRestarts        int            `json:"apiServerRestarts"`
	APIServerOutages         int            `json:"apiServerOutages"`
	OutageSeconds            float64        `json:"outageSeconds"`
	Outage                   string         `json:"outage"`
	RecoverySeconds          []float64      `json:"recoverySeconds"`
	ProvisionSeconds         float64        `json:"provisionSeconds"`
	ProvisionConvergeSeconds float64        `json:"provisionConvergeSeconds"`
	UpgradeSeconds           float64        `json:"upgradeSeconds"`
	UpgradeConvergeSeconds   float64        `json:"upgradeConvergeSeconds"`
	StepsSucceeded           int            `json:"stepsSucceeded"`
	StepsFailed              int            `json:"stepsFailed"`
	BackupsCurrent           int            `json:"backupsCurrent"`
	CredentialSecrets        int            `json:"credentialSecrets"`
	CredentialsIdentical     int            `json:"credentialsIdentical"`
	Claims                   int            `json:"claims"`
	SecretsDeleted           int            `json:"secretsDeleted"`
	ClaimsDeleted            int            `json:"claimsDeleted"`
	ObjectsChecked           int            `json:"objectsChecked"`
	HalfOwned                int            `json:"halfOwned"`
	FinalResyncReconciles    int            `json:"finalResyncReconciles"`
	FinalResyncWrites        int            `json:"finalResyncWrites"`
	FinalResyncByMethod      map[string]int `json:"finalResyncByMethod,omitempty"`
	FinalResyncByResource    map[string]int `json:"finalResyncByResource,omitempty"`
	Panics                   int            `json:"panics"`
	EndedByItself            int            `json:"endedByItself"`
	Seconds                  float64        `json:"seconds"`
	Failures                 []string       `json:"failures,omitempty"`
}

// campaign is one run's state.
type campaign struct {
	o      options
	out    io.Writer
	cp     *controlPlane
	c      client.Client
	op     *operator
	ledger *ledger
	rng    *rand.Rand
	res    result
	// lastStart is when the operator was last started after a kill.
	lastStart time.Time
	// disruptions of the API server so far.
	disruptions int
}

// run carries out a campaign. An error means the campaign could not be carried out; failed
// checks are in result.Failures.
func run(ctx context.Context, o options, out io.Writer) (result, error) {
	if o.n < 1 || o.kills < 2 || o.minRun <= 0 || o.maxRun <= o.minRun || o.maxPause <= 0 {
		return result{}, errors.New("need -chaos.n >= 1, -chaos.kills >= 2, 0 < -chaos.min-run < -chaos.max-run and -chaos.max-pause > 0")
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir, err := workDir(o)
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)

	bin := o.operator
	if bin == "" {
		logf("building the operator from %s/cmd", o.root)
		if bin, err = buildOperator(o.root, dir); err != nil {
			return result{}, err
		}
	}
	logf("starting kube-apiserver and etcd")
	cp, err := startControlPlane(o.root, dir)
	if err != nil {
		return result{}, err
	}
	defer func() {
		if err := cp.stop(); err != nil {
			logf("stopping the control plane: %v", err)
		}
	}()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	c, err := setUp(ctx, o, cp, kubeconfig)
	if err != nil {
		return result{}, err
	}

	k := &campaign{o: o, out: out, cp: cp, c: c, ledger: newLedger(), rng: rand.New(rand.NewPCG(o.seed, 0x7261746861757321))}
	k.res = result{Seed: o.seed, Workspaces: o.n, Services: "files and video, then mail and media on the newest release; size S", CPUs: runtime.NumCPU(), From: o.from, To: o.to}
	obs, err := startObserver(ctx, cp.cfg, c, k.ledger)
	if err != nil {
		return result{}, fmt.Errorf("watching the operator's objects: %w", err)
	}
	go obs.simulateReadiness(ctx, o.simulateEvery)

	if k.op, err = newOperator(bin, kubeconfig, o.log); err != nil {
		return result{}, err
	}
	if err := k.op.start(); err != nil {
		return result{}, err
	}
	defer func() { _ = k.op.stop(syscall.SIGKILL) }()

	if err := k.provision(ctx); err != nil {
		return k.res, err
	}
	if err := k.upgrade(ctx); err != nil {
		return k.res, err
	}
	if err := k.restore(ctx); err != nil {
		return k.res, err
	}
	if err := k.finalResync(ctx); err != nil {
		return k.res, err
	}
	if err := k.check(ctx); err != nil {
		return k.res, err
	}
	return k.res, k.report(start)
}

// workDir makes the campaign's scratch directory and the directories of its outputs, and
// removes the operator's log of an earlier run.
func workDir(o options) (string, error) {
	for _, f := range []string{o.out, o.log} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return "", err
		}
	}
	if err := os.Remove(o.log); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return os.MkdirTemp("", "rathaus-chaos-")
}

// setUp writes the kubeconfig the operator uses and installs the release catalog and the
// platform the campaign's workspaces use.
func setUp(ctx context.Context, o options, cp *controlPlane, kubeconfig string) (client.Client, error) {
	if err := writeKubeconfig(cp.cfg, kubeconfig); err != nil {
		return nil, err
	}
	c, err := client.New(cp.cfg, client.Options{Scheme: controllers.Scheme()})
	if err != nil {
		return nil, err
	}
	versions, err := installCatalog(ctx, c, o.root)
	if err != nil {
		return nil, err
	}
	for _, v := range []string{o.from, o.to} {
		if !slices.Contains(versions, v) {
			return nil, fmt.Errorf("release %s is not in config/releases (%v)", v, versions)
		}
	}
	for _, secret := range backupSecrets() {
		if err := c.Create(ctx, secret); err != nil {
			return nil, fmt.Errorf("creating Secret %s: %w", secret.Name, err)
		}
	}
	if err := c.Create(ctx, platform(int32(o.maxConcurrent))); err != nil {
		return nil, fmt.Errorf("creating the platform: %w", err)
	}
	return c, nil
}

// report completes the figures, prints them and writes them as JSON.
func (k *campaign) report(start time.Time) error {
	k.res.OperatorStarts = k.op.starts
	k.res.Seconds = round1(time.Since(start).Seconds())
	printTable(k.out, k.res)
	if err := framework.WriteJSON(k.o.out, k.res); err != nil {
		return err
	}
	logf("figures written to %s, the operator's log to %s", k.o.out, k.o.log)
	return nil
}

var logf = framework.Logf

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

func name(i int) string { return fmt.Sprintf("chaos-%03d", i) }

// provision creates the workspaces in batches while killing the operator, with one API
// server restart in the middle, and waits until every one is settled on the oldest release.
func (k *campaign) provision(ctx context.Context) error {
	kills := k.o.kills / 2
	p := schedule(k.rng, kills, k.o.n, k.o.minRun, k.o.maxRun, k.o.maxPause, k.o.disruptProvisioning)
	logf("provisioning %d workspaces on %s with %d operator kills", k.o.n, k.o.from, kills)
	start := time.Now()
	next := 0
	err := k.killLoop(ctx, p, k.o.from, false, func(batch int) error {
		for range batch {
			if err := k.create(ctx, next); err != nil {
				return err
			}
			next++
		}
		return nil
	}, func() error {
		logf("restarting kube-apiserver under the running operator")
		if err := k.cp.stopAPIServer(); err != nil {
			return err
		}
		if err := k.cp.startAPIServer(); err != nil {
			return err
		}
		k.res.APIServerRestarts++
		return nil
	})
	if err != nil {
		return err
	}
	k.res.KillsProvisioning = kills
	converged, err := k.waitSettled(ctx, k.o.from, false)
	if err != nil {
		return err
	}
	k.res.ProvisionConvergeSeconds = round1(converged.Sub(k.lastStart).Seconds())
	k.res.ProvisionSeconds = round1(time.Since(start).Seconds())
	logf("all %d workspaces settled on %s, %.1fs after the operator's last restart", k.o.n, k.o.from, k.res.ProvisionConvergeSeconds)
	return nil
}

// upgrade repins the workspaces to the newest release in batches while killing the
// operator, with one API server outage in the middle, and waits until every one is settled
// on it (through the mandatory stop in between).
func (k *campaign) upgrade(ctx context.Context) error {
	kills := k.o.kills - k.o.kills/2
	p := schedule(k.rng, kills, k.o.n, k.o.minRun, k.o.maxRun, k.o.maxPause, k.o.disruptUpgrade)
	logf("upgrading %d workspaces to %s with %d operator kills", k.o.n, k.o.to, kills)
	start := time.Now()
	next := 0
	err := k.killLoop(ctx, p, k.o.to, true, func(batch int) error {
		for range batch {
			if err := k.repin(ctx, name(next)); err != nil {
				return err
			}
			next++
		}
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := k.retry(ctx, func() error { return k.c.List(ctx, &list, client.HasLabels{chaosLabel}) }); err != nil {
			return err
		}
		return k.completeServices(ctx, list.Items)
	}, func() error {
		logf("stopping kube-apiserver for %s under the running operator", k.o.outage)
		t := time.Now()
		if err := k.cp.outage(k.o.outage); err != nil {
			return err
		}
		k.res.APIServerOutages++
		k.res.Outage = k.o.outage.String()
		k.res.OutageSeconds = round1(time.Since(t).Seconds())
		return nil
	})
	if err != nil {
		return err
	}
	k.res.KillsUpgrade = kills
	converged, err := k.waitSettled(ctx, k.o.to, true)
	if err != nil {
		return err
	}
	k.res.UpgradeConvergeSeconds = round1(converged.Sub(k.lastStart).Seconds())
	k.res.UpgradeSeconds = round1(time.Since(start).Seconds())
	logf("all %d workspaces settled on %s, %.1fs after the operator's last restart", k.o.n, k.o.to, k.res.UpgradeConvergeSeconds)
	return nil
}

// killLoop runs a phase's plan: before kill i it hands batch i to work, lets the operator run
// for runs[i], kills it with SIGKILL, waits pauses[i] and starts it again. After the kill
// disruptAt, with the operator running again, it disrupts the API server, which the
// operator must survive on its own.
func (k *campaign) killLoop(ctx context.Context, p plan, v string, complete bool, work func(batch int) error, disrupt func() error) error {
	for i := range p.runs {
		if err := work(p.batchSizes[i]); err != nil {
			return err
		}
		if err := sleep(ctx, p.runs[i]); err != nil {
			return err
		}
		if err := k.op.ensureRunning(); err != nil {
			return err
		}
		if k.converging(ctx, v, complete) {
			k.res.KillsWhileConverging++
		}
		if err := k.op.stop(syscall.SIGKILL); err != nil {
			return err
		}
		if err := sleep(ctx, p.pauses[i]); err != nil {
			return err
		}
		if err := k.op.start(); err != nil {
			return err
		}
		k.lastStart = time.Now()
		if i == p.disruptAt {
			// Let the fresh operator get to work first, so that the disruption hits
			// reconciles, not a process still starting.
			if err := sleep(ctx, k.o.minRun+time.Duration(k.rng.Int64N(int64(k.o.maxRun-k.o.minRun)))); err != nil {
				return err
			}
			if err := disrupt(); err != nil {
				return err
			}
			if err := k.waitRecovered(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitRecovered changes every workspace after an API server disruption and waits, without
// touching the operator, until every one is settled again on the release it is pinned to,
// for its new generation: the operator recovered by itself. It fails if the operator process ends meanwhile.
func (k *campaign) waitRecovered(ctx context.Context) error {
	start, run := time.Now(), k.op.run()
	// A change to every workspace now: its new generation settles only if the operator
	// watches and reconciles again, not merely if it had finished before the disruption.
	var before rathausv1alpha1.MunicipalityWorkspaceList
	if err := k.retry(ctx, func() error { return k.c.List(ctx, &before, client.HasLabels{chaosLabel}) }); err != nil {
		return err
	}
	k.disruptions++
	for i := range before.Items {
		ws := &before.Items[i]
		p := fmt.Sprintf(`{"spec":{"displayName":%q}}`, fmt.Sprintf("Chaos %s after disruption %d", ws.Name, k.disruptions))
		if err := k.retry(ctx, func() error { return k.c.Patch(ctx, ws, client.RawPatch(types.MergePatchType, []byte(p))) }); err != nil {
			return err
		}
	}
	deadline := start.Add(k.o.timeout)
	for {
		if k.op.run() != run || !k.op.running() {
			return fmt.Errorf("the operator did not survive the API server disruption: %v", k.op.endedByItself())
		}
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := k.c.List(ctx, &list, client.HasLabels{chaosLabel}); err == nil {
			var waiting []string
			for i := range list.Items {
				ws := &list.Items[i]
				waiting = append(waiting, unsettled(list.Items[i:i+1], ws.Spec.Release.Version)...)
			}
			if len(waiting) == 0 {
				d := round1(time.Since(start).Seconds())
				k.res.RecoverySeconds = append(k.res.RecoverySeconds, d)
				logf("the operator recovered by itself: all %d workspaces settled %.1fs after the API server was back", len(list.Items), d)
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the operator did not recover by itself within %s of the API server disruption:\n  %s",
					k.o.timeout, strings.Join(waiting, "\n  "))
			}
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// converging tells whether some workspace is not yet settled on v (with all services when
// complete), or has not been created yet: a kill now hits the operator's work, not a
// settled fleet. An API server that does not answer counts as settled.
func (k *campaign) converging(ctx context.Context, v string, complete bool) bool {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := k.c.List(ctx, &list, client.HasLabels{chaosLabel}); err != nil {
		return false
	}
	if len(list.Items) < k.o.n {
		return true
	}
	for i := range list.Items {
		if !settledOn(&list.Items[i], v) || complete && !allServices(&list.Items[i]) {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// create makes workspace n in its namespace: files and video (the oldest release has no mail
// and media components), size S, pinned to the oldest release, upgrades immediate and without
// a backup (no VolumeSnapshot API here). Every other workspace has deletionPolicy Delete, under
// which a wrongly pruned claim would really go.
func (k *campaign) create(ctx context.Context, i int) error {
	n := name(i)
	on := rathausv1alpha1.ServiceSwitch{Enabled: true}
	ws := framework.Workspace(n, chaosLabel, "Chaos", "chaos.example")
	ws.Spec.Release = &rathausv1alpha1.ReleaseSelector{Version: k.o.from}
	ws.Spec.Upgrades = rathausv1alpha1.UpgradePolicy{Immediate: true, AllowWithoutBackup: true}
	ws.Spec.Admins = []string{"it@" + ws.Spec.Domain}
	ws.Spec.Services = rathausv1alpha1.WorkspaceServices{
		Files: rathausv1alpha1.FilesService{ServiceSwitch: on},
		Video: rathausv1alpha1.VideoService{ServiceSwitch: on},
	}
	ws.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyRetain
	if i%2 == 1 {
		ws.Spec.DeletionPolicy = rathausv1alpha1.DeletionPolicyDelete
	}
	return k.retry(ctx, func() error { return framework.Create(ctx, k.c, ws, chaosLabel) })
}

// completeServices switches mail and media on for every workspace that has arrived on the
// newest release (the first with their components), so that their provisioning, too, runs
// under the kills.
func (k *campaign) completeServices(ctx context.Context, list []rathausv1alpha1.MunicipalityWorkspace) error {
	for i := range list {
		ws := &list[i]
		if allServices(ws) || !settledOn(ws, k.o.to) {
			continue
		}
		p := []byte(`{"spec":{"services":{"mail":{"enabled":true},"media":{"enabled":true}}}}`)
		if err := k.retry(ctx, func() error { return k.c.Patch(ctx, ws, client.RawPatch(types.MergePatchType, p)) }); err != nil {
			return fmt.Errorf("switching on mail and media of %s: %w", ws.Name, err)
		}
	}
	return nil
}

func allServices(ws *rathausv1alpha1.MunicipalityWorkspace) bool {
	s := ws.Spec.Services
	return s.Files.Enabled && s.Video.Enabled && s.Mail.Enabled && s.Media.Enabled
}

func (k *campaign) repin(ctx context.Context, n string) error {
	ws := &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Namespace: n, Name: n}}
	p := fmt.Sprintf(`{"spec":{"release":{"version":%q}}}`, k.o.to)
	return k.retry(ctx, func() error {
		return k.c.Patch(ctx, ws, client.RawPatch(types.MergePatchType, []byte(p)))
	})
}

// retry repeats a request of the campaign itself for up to a minute: the API server may be
// restarting.
func (k *campaign) retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if err == nil || apierrors.IsInvalid(err) || time.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// waitSettled polls until every workspace is settled on v, with all four services when
// complete (which switches them on as workspaces arrive), and returns when that was first
// seen. An operator that ended by itself is started again, as a kubelet would (and reported).
func (k *campaign) waitSettled(ctx context.Context, v string, complete bool) (time.Time, error) {
	deadline := time.Now().Add(k.o.timeout)
	last := -1
	for {
		if err := k.op.ensureRunning(); err != nil {
			return time.Time{}, err
		}
		var list rathausv1alpha1.MunicipalityWorkspaceList
		if err := k.c.List(ctx, &list, client.HasLabels{chaosLabel}); err == nil {
			if complete {
				if err := k.completeServices(ctx, list.Items); err != nil {
					return time.Time{}, err
				}
			}
			n := 0
			for i := range list.Items {
				if settledOn(&list.Items[i], v) && (!complete || allServices(&list.Items[i])) {
					n++
				}
			}
			if n != last {
				logf("%d of %d settled on %s", n, k.o.n, v)
				last = n
			}
			if n == k.o.n && len(list.Items) == k.o.n {
				return time.Now(), nil
			}
			if time.Now().After(deadline) {
				return time.Time{}, fmt.Errorf("only %d of %d workspaces settled on %s within %s of the last kill:\n  %s",
					n, k.o.n, v, k.o.timeout, strings.Join(unsettled(list.Items, v), "\n  "))
			}
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return time.Time{}, err
		}
	}
}

// finalResync stops the operator cleanly, starts a fresh one and counts what its full
// resync of the settled fleet writes: nothing, if every object is as the operator wants it
// (nothing missing, nothing to prune, no credential to create or complete).
func (k *campaign) finalResync(ctx context.Context) error {
	if err := k.waitQuiet(ctx); err != nil {
		return err
	}
	logf("restarting the operator cleanly; its resync of the settled fleet must not write")
	if err := k.op.stop(syscall.SIGTERM); err != nil {
		return err
	}
	if err := k.op.start(); err != nil {
		return err
	}
	deadline := time.Now().Add(k.o.timeout)
	last := -1.0
	for {
		if err := sleep(ctx, k.o.resyncQuiet); err != nil {
			return err
		}
		m, err := framework.Scrape(k.op.metricsURL())
		if err != nil {
			if time.Now().After(deadline) {
				return err
			}
			continue // not listening yet
		}
		n := m.Sum(framework.ReconcileTotal, framework.WorkspaceController)
		if n >= float64(k.o.n) && n == last {
			k.res.FinalResyncReconciles = int(n)
			k.res.FinalResyncByMethod, k.res.FinalResyncWrites = framework.RequestsByMethod(nil, m)
			k.res.FinalResyncByResource = framework.RequestsByResource(nil, m)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the fresh operator reconciled %.0f of %d workspaces within %s", n, k.o.n, k.o.timeout)
		}
		last = n
	}
}

// restQuiet is how long the operator must neither reconcile nor write before it is restarted
// for the final resync: longer than the 5 s for which it defers a status write that
// only reports progress (controllers/workspace_status_writes.go), so that no write the fleet
// still owes is left to the fresh operator and counted against its resync.
const restQuiet = 6 * time.Second

// waitQuiet waits until the running operator has come to rest: a settled fleet (waitSettled)
// can still owe it a deferred status write.
func (k *campaign) waitQuiet(ctx context.Context) error {
	deadline := time.Now().Add(k.o.timeout)
	var last [2]float64
	since := time.Now()
	for {
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
		m, err := framework.Scrape(k.op.metricsURL())
		if err != nil {
			return fmt.Errorf("reading the operator's metrics before the final resync: %w", err)
		}
		_, writes := framework.RequestsByMethod(nil, m)
		now := [2]float64{m.Sum(framework.ReconcileTotal, framework.WorkspaceController), float64(writes)}
		if now != last {
			last, since = now, time.Now()
		}
		if time.Since(since) >= restQuiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the operator did not rest for %s within %s of the fleet settling", restQuiet, k.o.timeout)
		}
	}
}

// check runs every check of the end state and records failures.
func (k *campaign) check(ctx context.Context) error {
	var list rathausv1alpha1.MunicipalityWorkspaceList
	if err := k.c.List(ctx, &list, client.HasLabels{chaosLabel}); err != nil {
		return err
	}
	k.checkWorkspaces(list.Items)
	if err := k.checkData(ctx); err != nil {
		return err
	}
	if err := k.checkOwnership(ctx, list.Items); err != nil {
		return err
	}
	return k.checkOperator()
}

func (k *campaign) fail(format string, args ...any) {
	k.res.Failures = append(k.res.Failures, fmt.Sprintf(format, args...))
}

// checkWorkspaces: every workspace settled on the newest release with all services, and its
// steps counted.
func (k *campaign) checkWorkspaces(items []rathausv1alpha1.MunicipalityWorkspace) {
	for _, u := range unsettled(items, k.o.to) {
		k.fail("%s", u)
	}
	for _, ws := range items {
		if !allServices(&ws) {
			k.fail("workspace %s/%s does not run all four services", ws.Namespace, ws.Name)
		}
		if ws.Status.Upgrade == nil {
			continue
		}
		for _, h := range ws.Status.Upgrade.History {
			if h.Result == rathausv1alpha1.UpgradeSucceeded {
				k.res.StepsSucceeded++
			} else {
				k.res.StepsFailed++
			}
		}
	}
	for _, f := range failedSteps(items) {
		k.fail("%s", f)
	}
	for _, ws := range items {
		if restored(&ws) {
			k.res.Restored++
		} else {
			k.fail("workspace %s/%s: restore %s did not succeed: %+v", ws.Namespace, ws.Name, restoreID, ws.Status.Restore)
		}
	}
	// Every backup the simulator completed is reported, whatever the kills interrupted.
	for _, ws := range items {
		if c := meta.FindStatusCondition(ws.Status.Conditions, rathausv1alpha1.ConditionBackupsHealthy); c != nil && c.Status == metav1.ConditionTrue {
			k.res.BackupsCurrent++
		} else {
			k.fail("workspace %s/%s does not report current backups: %v", ws.Namespace, ws.Name, c)
		}
	}
}

// checkData: the data objects, listed past any watch, are all still there, and every
// credential is byte-identical to its first version.
func (k *campaign) checkData(ctx context.Context) error {
	sel := client.MatchingLabels{ownership.ManagedByLabel: ownership.ManagedByValue, ownership.DataLabel: "true"}
	var secrets corev1.SecretList
	if err := k.c.List(ctx, &secrets, sel); err != nil {
		return err
	}
	present := map[string]types.UID{}
	for _, s := range secrets.Items {
		k.ledger.observe("Secret", s.Namespace, s.Name, s.UID, s.Data)
		present[ledgerKey("Secret", s.Namespace, s.Name)] = s.UID
	}
	k.ledger.compare("Secret", present)
	var claims corev1.PersistentVolumeClaimList
	if err := k.c.List(ctx, &claims, sel); err != nil {
		return err
	}
	present = map[string]types.UID{}
	for _, c := range claims.Items {
		k.ledger.observe("PersistentVolumeClaim", c.Namespace, c.Name, c.UID, nil)
		present[ledgerKey("PersistentVolumeClaim", c.Namespace, c.Name)] = c.UID
	}
	k.ledger.compare("PersistentVolumeClaim", present)
	k.res.CredentialSecrets, k.res.CredentialsIdentical, k.res.SecretsDeleted = k.ledger.tally("Secret")
	k.res.Claims, _, k.res.ClaimsDeleted = k.ledger.tally("PersistentVolumeClaim")
	for _, p := range k.ledger.problems() {
		k.fail("%s", p)
	}
	if k.res.CredentialSecrets == 0 || k.res.Claims == 0 {
		k.fail("the campaign saw %d credential Secrets and %d claims; it must see some to check them", k.res.CredentialSecrets, k.res.Claims)
	}
	return nil
}

// checkOwnership: no object in the workspaces' namespaces is half-owned, and the fresh
// operator's resync wrote nothing.
func (k *campaign) checkOwnership(ctx context.Context, items []rathausv1alpha1.MunicipalityWorkspace) error {
	owners := map[string]owner{}
	for _, ws := range items {
		owners[ws.Namespace] = owner{Name: ws.Name, UID: ws.UID}
	}
	objs, err := namespacedObjects(ctx, k.cp.cfg, owners)
	if err != nil {
		return err
	}
	k.res.ObjectsChecked = len(objs)
	half := halfOwned(objs, owners)
	k.res.HalfOwned = len(half)
	for _, h := range half {
		k.fail("%s", h)
	}
	if k.res.FinalResyncWrites > 0 {
		k.fail("the fresh operator's resync of the settled fleet sent %d mutating requests (%v; by resource %v); it must send none",
			k.res.FinalResyncWrites, k.res.FinalResyncByMethod, k.res.FinalResyncByResource)
	}
	return nil
}

// checkOperator: the operator never panicked and never ended by itself.
func (k *campaign) checkOperator() error {
	logText, err := os.ReadFile(k.o.log)
	if err != nil {
		return err
	}
	p := panics(string(logText))
	k.res.Panics = len(p)
	for _, line := range p[:min(len(p), 5)] {
		k.fail("the operator panicked: %s", line)
	}
	ended := k.op.endedByItself()
	k.res.EndedByItself = len(ended)
	for _, e := range ended {
		k.fail("%s (see %s)", e, k.o.log)
	}
	return nil
}

// namespacedObjects lists the metadata of every object of every namespaced kind the API
// server serves, in the namespaces of owners.
func namespacedObjects(ctx context.Context, cfg *rest.Config, owners map[string]owner) ([]object, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	lists, err := dc.ServerPreferredNamespacedResources()
	if err != nil {
		return nil, err
	}
	mc, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var out []object
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			return nil, err
		}
		for _, r := range l.APIResources {
			if !slices.Contains(r.Verbs, "list") || strings.Contains(r.Name, "/") {
				continue
			}
			items, err := mc.Resource(gv.WithResource(r.Name)).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", r.Name, err)
			}
			for _, it := range items.Items {
				if _, ok := owners[it.Namespace]; ok {
					out = append(out, object{Kind: r.Kind, ObjectMeta: it.ObjectMeta})
				}
			}
		}
	}
	return out, nil
}

func printTable(w io.Writer, r result) {
	var t framework.Table
	row := t.Row
	row("Workspaces", "%d (%s)", r.Workspaces, r.Services)
	row("Seed", "%d", r.Seed)
	row("CPUs", "%d", r.CPUs)
	row("Operator kills (SIGKILL)", "%d while provisioning on %s, %d while upgrading to %s; %d starts in all", r.KillsProvisioning, r.From, r.KillsUpgrade, r.To, r.OperatorStarts)
	row("Kills while some workspace was still converging", "%d of %d", r.KillsWhileConverging, r.KillsProvisioning+r.KillsUpgrade)
	row("API server disruptions (operator left running)", "%d restart while provisioning; %d outage while upgrading, unavailable for %.1fs (stop, %s down, start)", r.APIServerRestarts, r.APIServerOutages, r.OutageSeconds, r.Outage)
	recovery := make([]string, len(r.RecoverySeconds))
	for i, v := range r.RecoverySeconds {
		recovery[i] = fmt.Sprintf("%.1fs", v)
	}
	row("Operator recovered by itself (all workspaces settled again, no restart) after each disruption", "%s", strings.Join(recovery, ", "))
	row("Provisioning phase / converged after its last kill", "%.1fs / %.1fs", r.ProvisionSeconds, r.ProvisionConvergeSeconds)
	row("Upgrade phase / converged after its last kill", "%.1fs / %.1fs", r.UpgradeSeconds, r.UpgradeConvergeSeconds)
	row("Upgrade steps succeeded / failed", "%d / %d", r.StepsSucceeded, r.StepsFailed)
	row("Workspaces reporting current backups (BackupsHealthy)", "%d of %d", r.BackupsCurrent, r.Workspaces)
	row("Restores in place succeeded / operator kills meanwhile / phase", "%d of %d / %d / %.1fs", r.Restored, r.Workspaces, r.KillsRestore, r.RestoreSeconds)
	row("Credential Secrets checked / byte-identical", "%d / %d", r.CredentialSecrets, r.CredentialsIdentical)
	row("Claims checked", "%d", r.Claims)
	row("Data Secrets / claims deleted", "%d / %d", r.SecretsDeleted, r.ClaimsDeleted)
	row("Objects checked for half ownership / half-owned", "%d / %d", r.ObjectsChecked, r.HalfOwned)
	row("Fresh operator's resync: reconciles / mutating requests", "%d / %d", r.FinalResyncReconciles, r.FinalResyncWrites)
	row("Panics / operator runs that ended by themselves", "%d / %d", r.Panics, r.EndedByItself)
	row("Campaign time", "%.0fs", r.Seconds)
	row("Checks failed", "%d", len(r.Failures))
	t.Print(w)
}
