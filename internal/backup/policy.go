// Package backup takes every workspace's data out of the cluster on a schedule: one restic
// repository per workspace and store (database dumps, Nextcloud's volume, Opencast's storage,
// the generated credentials) in the provider's S3-compatible object store, encrypted with the
// provider's key. It is a part of the stack like any service (registered in
// desired.Components); this file holds the policy as pure functions.
package backup

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// Defaults of the platform's policy, as the API documents them.
const (
	DefaultSchedule = "0 2 * * *"
	DefaultKeepLast = 7
	DefaultKeepDays = 30
	DefaultMaxAge   = 26 * time.Hour
)

// stores are the stores in the order they are rendered and reported.
var stores = []rathausv1alpha1.BackupStore{
	rathausv1alpha1.BackupDatabase, rathausv1alpha1.BackupFiles, rathausv1alpha1.BackupMedia, rathausv1alpha1.BackupCredentials,
}

// Stores are the stores of the workspace that rathaus backs up: those the enabled components
// declare (stack.BackedUp) and the generated credentials, less what the platform excludes.
func Stores(in stack.Inputs) []rathausv1alpha1.BackupStore {
	if in.Platform == nil || !ToObjectStore(in.Platform.Spec.Backup) {
		return nil
	}
	p := in.Platform.Spec.Backup
	var out []rathausv1alpha1.BackupStore
	for _, s := range stores {
		declared := slices.ContainsFunc(in.BackupSources, func(src stack.BackupSource) bool { return src.Store == s })
		if s == rathausv1alpha1.BackupCredentials {
			declared = len(in.Credentials) > 0
		}
		if declared && !slices.Contains(p.Exclude, s) {
			out = append(out, s)
		}
	}
	return out
}

// ToObjectStore reports whether the policy has rathaus take backups to its object store (the
// Restic method, with its destination and key).
func ToObjectStore(p *rathausv1alpha1.BackupPolicy) bool {
	return p != nil && p.Method != rathausv1alpha1.BackupVelero && p.Destination != nil && p.EncryptionKeySecret != nil
}

// ForVelero reports whether the provider's Velero takes the backups: the components add what
// it needs to their pods (docs/backup.md, "Velero").
func ForVelero(p *rathausv1alpha1.BackupPolicy) bool {
	return p != nil && p.Method == rathausv1alpha1.BackupVelero
}

// Schedule is the cron schedule of a store.
func Schedule(p *rathausv1alpha1.BackupPolicy, s rathausv1alpha1.BackupStore) string {
	if s == rathausv1alpha1.BackupMedia && p.MediaSchedule != "" {
		return p.MediaSchedule
	}
	if p.Schedule != "" {
		return p.Schedule
	}
	return DefaultSchedule
}

// WorkspaceSchedule is a store's schedule for the workspace: the platform's, at the time of
// day the municipality chose where the platform lets it. Only the minute and hour fields
// change, so a municipality cannot make its backups run more often (or cost more).
func WorkspaceSchedule(in stack.Inputs, s rathausv1alpha1.BackupStore) string {
	p := in.Platform.Spec.Backup
	schedule := Schedule(p, s)
	b := in.Workspace.Spec.Backup
	if !p.WorkspaceTime || b == nil || b.Time == "" {
		return schedule
	}
	fields := strings.Fields(schedule)
	hour, minute, ok := strings.Cut(b.Time, ":")
	if len(fields) != 5 || !ok {
		return schedule // a descriptor such as @weekly has no time of day to move
	}
	fields[0], fields[1] = strings.TrimPrefix(minute, "0"), strings.TrimPrefix(hour, "0")
	for i := range 2 {
		if fields[i] == "" {
			fields[i] = "0"
		}
	}
	return strings.Join(fields, " ")
}

// Retention is the policy's retention with its defaults.
func Retention(p *rathausv1alpha1.BackupPolicy) (keepLast, keepDays int32) {
	keepLast, keepDays = p.Retention.KeepLast, p.Retention.KeepDays
	if keepLast == 0 {
		keepLast = DefaultKeepLast
	}
	if keepDays == 0 {
		keepDays = DefaultKeepDays
	}
	return keepLast, keepDays
}

// MaxAge is how old a store's newest successful backup may be.
func MaxAge(p *rathausv1alpha1.BackupPolicy) time.Duration {
	if p.MaxAge != nil && p.MaxAge.Valid() && p.MaxAge.Duration > 0 {
		return p.MaxAge.Duration
	}
	return DefaultMaxAge
}

// parser reads schedules as Kubernetes' CronJob controller does (robfig/cron, five fields and
// the @daily-style descriptors).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Next is when a schedule next fires after t, in UTC.
func Next(schedule string, t time.Time) (time.Time, error) {
	s, err := parser.Parse(schedule)
	if err != nil {
		return time.Time{}, fmt.Errorf("backup schedule %q: %w", schedule, err)
	}
	return s.Next(t.UTC()), nil
}
