package nextcloud

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
	"github.com/rathaus-io/rathaus/internal/stack/kit"
	"github.com/rathaus-io/rathaus/internal/web"
)

// ReleaseComponents implements stack.Released. Nextcloud upgrades one major version at a time
// and never down (Nextcloud admin manual, "Upgrade manually": "skipping major releases is not
// supported"; the image's entrypoint refuses to downgrade).
func (Component) ReleaseComponents() []stack.ReleaseComponent {
	return []stack.ReleaseComponent{{Name: ReleaseComponent, Upgrade: stack.OneMajorAtATime, Stateful: true}}
}

// Hosts implements stack.HostClaimer.
func (Component) Hosts(in stack.Inputs) []stack.Host {
	return kit.IngressHosts(enabled(in), host(in))
}

// Kinds implements stack.KindOwner.
func (Component) Kinds() []schema.GroupVersionKind {
	return append([]schema.GroupVersionKind{kit.DeploymentKind, kit.CronJobKind, kit.ConfigMapKind, kit.SecretKind,
		kit.PersistentVolumeClaimKind, kit.NetworkPolicyKind}, web.Kinds...)
}

// PlatformSecrets implements stack.PlatformSecretUser: the object storage credentials, read
// for every workspace of the platform, since the choice of storage is made per installation.
func (Component) PlatformSecrets(p *rathausv1alpha1.WorkspacePlatform) []rathausv1alpha1.NamespacedName {
	if p.Spec.ObjectStorage == nil {
		return nil
	}
	return []rathausv1alpha1.NamespacedName{p.Spec.ObjectStorage.CredentialsSecret}
}

// BackupSources implements stack.BackedUp: the whole volume, config/config.php with its
// secret and instance id included (Nextcloud admin manual, maintenance/backup.rst: config,
// data, theme and apps), as www-data, with a dump of Nextcloud's database taken just before:
// the admin manual's order (database with the files, from one moment) without the
// maintenance mode, which would lock the users out for the whole backup.
func (Component) BackupSources(in stack.Inputs) []stack.BackupSource {
	if !enabled(in) {
		return nil
	}
	return []stack.BackupSource{{
		Store: rathausv1alpha1.BackupFiles, Claim: dataClaim, UID: uid, Colocate: kit.PodLabels(in, ReleaseComponent),
		PairedDatabases: []string{database},
	}}
}
