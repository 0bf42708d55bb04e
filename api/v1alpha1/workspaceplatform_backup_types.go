package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackupStore is a kind of data of a workspace that is backed up on its own: its own restic
// repository, schedule and status.
// +kubebuilder:validation:Enum=Database;Files;Media;Credentials
type BackupStore string

const (
	// BackupDatabase: a logical dump (pg_dump) of every PostgreSQL database of the workspace
	// (files, identity, mail, media). Stalwart keeps mail, blobs included, in PostgreSQL, so this
	// store holds the mailboxes.
	BackupDatabase BackupStore = "Database"
	// BackupFiles: Nextcloud's volume (files, config.php with its secret, apps).
	BackupFiles BackupStore = "Files"
	// BackupMedia: Opencast's storage directory (archive, distribution files), without its
	// scratch workspace.
	BackupMedia BackupStore = "Media"
	// BackupCredentials: the generated credentials, without which the data cannot be read back
	// (database passwords, Nextcloud's secret, DKIM key, ...), encrypted like everything else.
	BackupCredentials BackupStore = "Credentials"
)

// BackupMethod is who takes the backups.
// +kubebuilder:validation:Enum=Restic;Velero
type BackupMethod string

const (
	// BackupRestic: rathaus takes them, with restic, to the policy's destination.
	BackupRestic BackupMethod = "Restic"
	// BackupVelero: the provider's Velero takes them; rathaus adds what Velero needs to the
	// workspaces' pods (backup hooks, the volumes to copy) and takes none of its own.
	BackupVelero BackupMethod = "Velero"
)

// BackupPolicy is how every workspace's data leaves the cluster: where to, how often and how
// long it is kept. With the Restic method, backups are restic repositories, encrypted on the
// client with the provider's key, one per workspace and store.
// +kubebuilder:validation:XValidation:rule="!has(self.exclude) || self.exclude.size() < 4",message="backup.exclude may not exclude every store; remove spec.backup to take no backups"
// +kubebuilder:validation:XValidation:rule="(has(self.method) && self.method == 'Velero') || (has(self.destination) && has(self.encryptionKeySecret))",message="backup.destination and backup.encryptionKeySecret are required unless backup.method is Velero"
type BackupPolicy struct {
	// Method is who takes the backups: Restic (rathaus, the default) or Velero (the
	// provider's Velero, with what rathaus adds to the pods; docs/backup.md).
	// +optional
	// +kubebuilder:default=Restic
	Method BackupMethod `json:"method,omitempty"`
	// Destination is the S3-compatible object store the repositories live in, at
	// <bucket>/<prefix>/<namespace>/<store>; required with the Restic method.
	// +optional
	Destination *BackupDestination `json:"destination,omitempty"`
	// EncryptionKeySecret holds the key "password" that encrypts every repository (restic,
	// AES-256); required with the Restic method. Keep a copy outside the cluster: without it no
	// backup can be read back, on this cluster or another one.
	// +optional
	EncryptionKeySecret *NamespacedName `json:"encryptionKeySecret,omitempty"`
	// Schedule is when backups run, a cron expression of five fields in UTC; "0 2 * * *" (daily
	// at 02:00) when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.split(' ').filter(f, f != '').size() == 5",message="backup.schedule must be a cron expression of five fields, e.g. \"0 2 * * *\""
	Schedule string `json:"schedule,omitempty"`
	// MediaSchedule is when the media store is backed up, which can be large; Schedule when
	// unset, e.g. "0 3 * * 6" for weekly.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.split(' ').filter(f, f != '').size() == 5",message="backup.mediaSchedule must be a cron expression of five fields, e.g. \"0 3 * * 6\""
	MediaSchedule string `json:"mediaSchedule,omitempty"`
	// Retention is which snapshots of each store are kept.
	// +optional
	Retention BackupRetention `json:"retention,omitempty"`
	// MaxAge is how old the newest successful backup of a store may be before the workspace
	// reports BackupsHealthy=False and the alert fires; 26h when unset (a daily schedule with two
	// hours to finish).
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]+(\\\\.[0-9]+)?(ns|us|ms|s|m|h))+$')",message="a duration such as 26h or 192h"
	MaxAge *Duration `json:"maxAge,omitempty"`
	// WorkspaceTime lets each municipality choose the time of day its backups run
	// (spec.backup.time of the workspace): only the hour and minute of the schedules change,
	// never how often they run.
	// +optional
	WorkspaceTime bool `json:"workspaceTime,omitempty"`
	// Exclude lists stores rathaus does not back up, e.g. Media when the provider copies the
	// recordings by other means.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	Exclude []BackupStore `json:"exclude,omitempty"`
}

// BackupDestination is an S3-compatible object store.
type BackupDestination struct {
	// Endpoint is the S3 host name, e.g. backup.example.eu.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$')",message="backup.destination.endpoint must be a host name"
	Endpoint string `json:"endpoint"`
	// Port of the endpoint; 443 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// Region of the bucket; us-east-1 (restic's default) when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Region string `json:"region,omitempty"`
	// Bucket holds every workspace's repositories.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9.-]*[a-z0-9]$')",message="backup.destination.bucket must be an S3 bucket name"
	Bucket string `json:"bucket"`
	// Prefix is a path below the bucket, e.g. the cluster's name, so that several clusters can
	// share a bucket.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9/_.-]*[a-z0-9]$')",message="backup.destination.prefix must be lower-case letters, digits and / _ . -"
	Prefix string `json:"prefix,omitempty"`
	// CredentialsSecret holds the keys access-key and secret-key; the operator copies it into
	// each workspace namespace.
	CredentialsSecret NamespacedName `json:"credentialsSecret"`
}

// BackupRetention is which snapshots of a store are kept: the newest KeepLast, and every one
// younger than KeepDays (counted from the newest); older ones are deleted after each backup.
type BackupRetention struct {
	// KeepLast is how many of the newest snapshots are kept; 7 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	KeepLast int32 `json:"keepLast,omitempty"`
	// KeepDays keeps every snapshot younger than this many days; 30 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3650
	KeepDays int32 `json:"keepDays,omitempty"`
}

// BackupStatus is where one store's backups stand.
type BackupStatus struct {
	// Store is the kind of data.
	Store BackupStore `json:"store"`
	// Schedule is the cron schedule it is backed up on (UTC).
	Schedule string `json:"schedule"`
	// LastSuccessfulTime is when the newest successful backup finished; unset until one did.
	// +optional
	LastSuccessfulTime *metav1.Time `json:"lastSuccessfulTime,omitempty"`
	// LastScheduleTime is when the newest backup was started.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`
	// NextScheduleTime is when the next backup is due.
	// +optional
	NextScheduleTime *metav1.Time `json:"nextScheduleTime,omitempty"`
	// Size is how much data the newest successful backup holds: the size of every file it
	// read, before deduplication and compression (restic's total_bytes_processed). Unset when
	// the backup's pod is gone or its tool reports no size (CloudNativePG).
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`
	// Added is what the newest successful backup added to the repository, after
	// deduplication and compression (restic's data_added_packed): what the store grew by.
	// +optional
	Added *resource.Quantity `json:"added,omitempty"`
	// Snapshot is the restic snapshot ID of the newest successful backup, for
	// spec.restore.snapshot.
	// +optional
	Snapshot string `json:"snapshot,omitempty"`
	// Message says what is wrong, when something is.
	// +optional
	Message string `json:"message,omitempty"`
}

// WorkspaceRestore is a restore of a workspace's data from its backups (the Restic method).
type WorkspaceRestore struct {
	// ID names this restore; the operator carries out each ID once.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ID string `json:"id"`
	// Snapshot is the restic snapshot to restore from each store: "latest" (the default) or a
	// snapshot ID from `restic snapshots`.
	// +optional
	// +kubebuilder:validation:Pattern=`^(latest|[0-9a-f]{8,64})$`
	Snapshot string `json:"snapshot,omitempty"`
	// Stores are restored; every backed-up store but Credentials when empty. Credentials are
	// restored first, and only into a workspace that has never been Ready (one created again
	// to be restored, after a disaster): a running workspace's databases keep the passwords
	// they were created with.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	Stores []BackupStore `json:"stores,omitempty"`
	// FromNamespace restores from the repositories of a workspace in another namespace (moved
	// to this one, or to this cluster); this workspace's own when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	FromNamespace string `json:"fromNamespace,omitempty"`
}

// RestorePhase is where a restore stands.
// +kubebuilder:validation:Enum=Restoring;Succeeded;Failed
type RestorePhase string

const (
	RestoreRestoring RestorePhase = "Restoring"
	RestoreSucceeded RestorePhase = "Succeeded"
	RestoreFailed    RestorePhase = "Failed"
)

// RestoreStatus is where the restore of spec.restore stands.
type RestoreStatus struct {
	// ID is the restore's spec.restore.id.
	ID string `json:"id"`
	// Phase: Restoring while a store's Job runs (the services are held), Succeeded once every
	// store is back (the services run again), Failed when a store's Job failed (the services
	// stay held until the provider sets a new id or removes spec.restore).
	Phase RestorePhase `json:"phase"`
	// Stores are the restored stores, each with its phase.
	// +optional
	// +listType=map
	// +listMapKey=store
	Stores []RestoreStoreStatus `json:"stores,omitempty"`
	// Message says what the restore waits for, or why it failed.
	// +optional
	Message string `json:"message,omitempty"`
}

// RestoreStoreStatus is where one store's restore stands.
type RestoreStoreStatus struct {
	Store BackupStore  `json:"store"`
	Phase RestorePhase `json:"phase"`
}

// WorkspaceBackup is what a municipality chooses of its backups.
type WorkspaceBackup struct {
	// Time is when its backups run, HH:MM in UTC, e.g. "23:30"; honoured while the platform's
	// backup.workspaceTime allows it.
	// +optional
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	Time string `json:"time,omitempty"`
}
