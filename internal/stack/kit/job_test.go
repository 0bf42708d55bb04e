package kit

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/stack"
)

// TestConfigJobNameFollowsWhatItRuns: a Job's pod template is immutable, so a change of its
// content, command or environment must give the Job a new name, and nothing else may.
func TestConfigJobNameFollowsWhatItRuns(t *testing.T) {
	in := stack.Inputs{Workspace: &rathausv1alpha1.MunicipalityWorkspace{ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"}}, Platform: &rathausv1alpha1.WorkspacePlatform{}}
	base := func() ConfigJob {
		return ConfigJob{NamePrefix: "j-", Image: "img:1", Content: []string{"doc"}, Command: []string{"apply"}, Env: []corev1.EnvVar{{Name: "A", Value: "1"}, SecretEnv("B", "s", "k")}}
	}
	name := base().Job(in).Name
	if again := base().Job(in).Name; again != name {
		t.Fatalf("unstable name: %s, %s", name, again)
	}
	for what, change := range map[string]func(*ConfigJob){
		"image":      func(j *ConfigJob) { j.Image = "img:2" },
		"content":    func(j *ConfigJob) { j.Content = []string{"doc2"} },
		"command":    func(j *ConfigJob) { j.Command = []string{"import"} },
		"env value":  func(j *ConfigJob) { j.Env[0].Value = "2" },
		"env secret": func(j *ConfigJob) { j.Env[1] = SecretEnv("B", "s", "other") },
		"env added":  func(j *ConfigJob) { j.Env = append(j.Env, corev1.EnvVar{Name: "C"}) },
	} {
		j := base()
		change(&j)
		if j.Job(in).Name == name {
			t.Errorf("a changed %s keeps the Job's name %s", what, name)
		}
	}
}
