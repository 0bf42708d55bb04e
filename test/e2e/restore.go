package e2e

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// restoreID names the campaign's restore of every workspace.
const restoreID = "chaos"

// restore asks every workspace, in batches, for a restore from its backups and kills the
// operator while the restores run (the readiness simulator completes their Jobs): each
// workspace must end with its restore Succeeded and its services running again on the
// newest release, its credentials untouched (checked with the rest).
func (k *campaign) restore(ctx context.Context) error {
	kills := max(2, k.o.kills/10)
	logf("restoring %d workspaces from their backups with %d operator kills", k.o.n, kills)
	start := time.Now()
	next := 0
	for i := range kills {
		// The workspaces' share of this batch; the last batch takes the rest.
		end := min(k.o.n, (i+1)*k.o.n/kills)
		if i == kills-1 {
			end = k.o.n
		}
		for ; next < end; next++ {
			if err := k.askRestore(ctx, name(next)); err != nil {
				return err
			}
		}
		// Short runs: the simulator completes a restore's Jobs within seconds.
		if err := sleep(ctx, time.Duration(k.rng.Int64N(int64(k.o.minRun)))); err != nil {
			return err
		}
		if err := k.op.ensureRunning(); err != nil {
			return err
		}
		if err := k.op.stop(syscall.SIGKILL); err != nil {
			return err
		}
		if err := sleep(ctx, time.Duration(k.rng.Int64N(int64(k.o.maxPause)))); err != nil {
			return err
		}
		if err := k.op.start(); err != nil {
			return err
		}
		k.lastStart = time.Now()
	}
	k.res.KillsRestore = kills
	if _, err := k.waitSettled(ctx, k.o.to, true); err != nil {
		return err
	}
	k.res.RestoreSeconds = round1(time.Since(start).Seconds())
	return nil
}

func (k *campaign) askRestore(ctx context.Context, n string) error {
	ws := &rathausv1alpha1.MunicipalityWorkspace{}
	ws.Namespace, ws.Name = n, n
	p := fmt.Sprintf(`{"spec":{"restore":{"id":%q}}}`, restoreID)
	return k.retry(ctx, func() error {
		return k.c.Patch(ctx, ws, client.RawPatch(types.MergePatchType, []byte(p)))
	})
}

// restored reports whether the workspace's restore succeeded.
func restored(ws *rathausv1alpha1.MunicipalityWorkspace) bool {
	r := ws.Status.Restore
	return r != nil && r.ID == restoreID && r.Phase == rathausv1alpha1.RestoreSucceeded
}
