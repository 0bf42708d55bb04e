package v1alpha1

// Condition types and reasons of MunicipalityWorkspace and WorkspacePlatform. They are part of
// the API: clients, alerts and GitOps health checks (Flux, Argo CD) may match on them, so a
// value never changes once released. docs/status.md explains each.

// Condition types of a MunicipalityWorkspace. Besides these, every component sets its own
// (FilesReady, VideoReady, ...).
const (
	// ConditionReady is True when every enabled service is available on the applied release.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator works towards the desired state.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when only a change of the workspace, its platform or the
	// release catalog can help; its reason says what to change.
	ConditionStalled = "Stalled"
	// ConditionUpToDate says whether the workspace runs its target release, and when not,
	// what the upgrade waits for.
	ConditionUpToDate = "UpToDate"
	// ConditionBackupsHealthy says whether every backed-up store has a recent successful
	// backup (status.backups). It does not affect Ready.
	ConditionBackupsHealthy = "BackupsHealthy"
	// ConditionGaiaXCompliant says whether the platform's Gaia-X compliance service issued a
	// compliance credential for the workspace's current credentials
	// (status.credentials.compliance); its reason is the state. It does not affect Ready, and
	// it is absent when the platform names no compliance service.
	ConditionGaiaXCompliant = "GaiaXCompliant"
)

// Reasons of GaiaXCompliant besides the states Compliant, Rejected and Unreachable.
const (
	// ReasonCompliancePending: the current credentials have not been submitted yet.
	ReasonCompliancePending = "SubmissionPending"
)

// Reasons of Ready, Reconciling and Stalled that are not specific to one check.
const (
	ReasonProvisioned    = "Provisioned"
	ReasonProgressing    = "Progressing"
	ReasonReconcileError = "ReconcileError"
	// ReasonAvailable and ReasonFailed are the reasons of component conditions.
	ReasonAvailable = "Available"
	ReasonFailed    = "Failed"
)

// Reasons of the Stalled condition: what the provider or the municipality must change.
const (
	ReasonPlatformNotFound = "PlatformNotFound"
	ReasonReleaseNotFound  = "ReleaseNotFound"
	ReasonInvalidSpec      = "InvalidSpec"
	// ReasonMaintenanceWindowNotAllowed: the municipality's window lies outside the limits
	// the platform sets (spec.upgrades.windowLimits).
	ReasonMaintenanceWindowNotAllowed = "MaintenanceWindowNotAllowed"
	// ReasonApplyRejected: the API server refused an object (admission, quota, schema).
	ReasonApplyRejected = "ApplyRejected"
	// ReasonPlatformSecretMissing: a Secret the platform names does not exist.
	ReasonPlatformSecretMissing = "PlatformSecretMissing"
	// ReasonCloudNativePGMissing: the platform's database mode needs an operator that is not
	// installed.
	ReasonCloudNativePGMissing = "CloudNativePGMissing"
	// ReasonGatewayAPIMissing: the platform names a Gateway, but the Gateway API is not
	// installed.
	ReasonGatewayAPIMissing = "GatewayAPIMissing"
	// ReasonCertManagerMissing: mail needs a certificate from the platform's ClusterIssuer,
	// but cert-manager is not installed.
	ReasonCertManagerMissing = "CertManagerMissing"
	// ReasonBarmanCloudPluginMissing: the platform backs up CloudNativePG databases, but the
	// Barman Cloud plugin (barmancloud.cnpg.io) is not installed.
	ReasonBarmanCloudPluginMissing = "BarmanCloudPluginMissing"
	// ReasonSecretConflict: a generated Secret's name is taken by a Secret the operator does
	// not manage; it never overwrites someone else's Secret.
	ReasonSecretConflict = "SecretConflict"
	// ReasonDomainConflict, ReasonNamespaceConflict, ReasonMunicipalityKeyConflict: another
	// workspace holds the domain or a host, the namespace, or the municipality key (AGS).
	ReasonDomainConflict          = "DomainConflict"
	ReasonNamespaceConflict       = "NamespaceConflict"
	ReasonMunicipalityKeyConflict = "MunicipalityKeyConflict"
	// ReasonSharedStorageMissing: a multi-node media tier on a platform without a
	// ReadWriteMany storage class.
	ReasonSharedStorageMissing = "SharedStorageMissing"
	// ReasonVolumeNotShared: a multi-node media tier whose storage directory was created for
	// a single node (ReadWriteOnce) and cannot be shared.
	ReasonVolumeNotShared = "MediaVolumeNotShared"
	// ReasonDatabaseDowngrade: the release's PostgreSQL image is older than the one the
	// CloudNativePG cluster runs.
	ReasonDatabaseDowngrade = "DatabaseDowngrade"
	// ReasonComponentFailed: a component failed for good (e.g. a setup Job exhausted its
	// retries).
	ReasonComponentFailed = "ComponentFailed"
)

// Reasons of UpToDate, and of Stalled while an upgrade cannot go on.
const (
	ReasonUpToDate          = "UpToDate"
	ReasonInstalling        = "Installing"
	ReasonWaitingForWindow  = "WaitingForWindow"
	ReasonWaitingForBackup  = "WaitingForBackup"
	ReasonBackingUp         = "BackingUp"
	ReasonUpgradeInProgress = "UpgradeInProgress"
	// ReasonWaitingForSlot: the platform's concurrency limit is reached.
	ReasonWaitingForSlot = "WaitingForSlot"
	// ReasonWaitingForCanaries: canaries have not run the release healthily for the soak time.
	ReasonWaitingForCanaries = "WaitingForCanaries"
	// ReasonUpgradeHalted: a step did not become healthy within the platform's step timeout.
	ReasonUpgradeHalted = "UpgradeHalted"
	// ReasonUpgradeBlocked: the release a step or the workspace runs is no longer known.
	ReasonUpgradeBlocked = "UpgradeBlocked"
	// ReasonDowngradeRefused: the target runs an older version of a component.
	ReasonDowngradeRefused = "DowngradeRefused"
	// ReasonMajorUpgradeRefused: the target changes what is never changed implicitly, such
	// as PostgreSQL's major version.
	ReasonMajorUpgradeRefused = "MajorUpgradeRefused"
	// ReasonUnorderedVersion: a version cannot be compared (e.g. "latest").
	ReasonUnorderedVersion = "UnorderedVersion"
	// ReasonUpgradeUnreachable: no sequence of releases of the catalog reaches the target
	// without breaking an upstream rule.
	ReasonUpgradeUnreachable = "UpgradeUnreachable"
)

// Reasons of BackupsHealthy.
const (
	// ReasonBackupsCurrent: every store's newest successful backup is younger than the
	// platform's backup.maxAge.
	ReasonBackupsCurrent = "BackupsCurrent"
	// ReasonFirstBackupPending: a store has not been backed up yet, and its first backup is not
	// overdue.
	ReasonFirstBackupPending = "FirstBackupPending"
	// ReasonBackupOverdue: a store's newest successful backup is older than backup.maxAge, or it
	// has none that long after it was scheduled.
	ReasonBackupOverdue = "BackupOverdue"
	// ReasonBackupFailed: a store's newest backup run ended without success, while its last
	// successful one is still young enough.
	ReasonBackupFailed = "BackupFailed"
)

// Reasons of DataResidency.
const (
	ReasonUnrestricted   = "Unrestricted"
	ReasonEnforced       = "Enforced"
	ReasonNoAllowedNodes = "NoAllowedNodes"
	// ReasonVolumesUnrestricted: a storage class the platform uses may provision volumes in
	// any region.
	ReasonVolumesUnrestricted = "VolumesUnrestricted"
)

// Reasons of the workspace's Events besides those of the Stalled condition, which are used as
// they are.
const (
	// ReasonDegraded: a provisioned workspace is no longer Ready, without being stalled.
	ReasonDegraded = "Degraded"
	// ReasonRecovered: a provisioned workspace is Ready again.
	ReasonRecovered = "Recovered"
	// ReasonStallResolved: the workspace is no longer stalled; the operator works on it again.
	ReasonStallResolved = "StallResolved"
	// ReasonServiceDegraded: a service that was ready is not.
	ReasonServiceDegraded = "ServiceDegraded"
	// ReasonServiceRecovered: a service that had been ready before is ready again.
	ReasonServiceRecovered = "ServiceRecovered"
	// ReasonUpgradeStarted and ReasonUpgradeStepSucceeded mark an upgrade step.
	ReasonUpgradeStarted       = "UpgradeStarted"
	ReasonUpgradeStepSucceeded = "UpgradeStepSucceeded"
	// ReasonDataRetained: a workspace deleted with deletionPolicy Retain left its volumes and
	// credentials.
	ReasonDataRetained = "DataRetained"
	// ReasonRestoreStarted, ReasonRestoreSucceeded and ReasonRestoreFailed mark a restore of
	// spec.restore: the services are held from its start to its success.
	ReasonRestoreStarted   = "RestoreStarted"
	ReasonRestoreSucceeded = "RestoreSucceeded"
	ReasonRestoreFailed    = "RestoreFailed"
	// ReasonGaiaXCompliant, ReasonGaiaXComplianceRejected and
	// ReasonGaiaXComplianceUnreachable mark what a compliance service answered to a new
	// submission of the workspace's Gaia-X credentials.
	ReasonGaiaXCompliant             = "GaiaXCompliant"
	ReasonGaiaXComplianceRejected    = "GaiaXComplianceRejected"
	ReasonGaiaXComplianceUnreachable = "GaiaXComplianceUnreachable"
)

// Condition types of a WorkspacePlatform: what the operator found out about the cluster.
const (
	ConditionKubernetesVersion  = "KubernetesVersionSupported"
	ConditionDefaultStorage     = "DefaultStorageClass"
	ConditionNodeTopology       = "NodeTopologyLabels"
	ConditionControlPlaneSpread = "ControlPlaneSpread"
	ConditionPodSecurity        = "PodSecurityAdmission"
	ConditionNetworkPolicies    = "NetworkPolicyEnforcement"
	// ConditionDataResidency says whether the platform holds workspaces to its allowed regions.
	ConditionDataResidency = "DataResidency"
)
