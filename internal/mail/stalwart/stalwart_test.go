package stalwart

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
	"github.com/rathaus-io/rathaus/internal/mail"
	"github.com/rathaus-io/rathaus/internal/release"
	"github.com/rathaus-io/rathaus/internal/stack"
)

func engineInputs() stack.Inputs {
	return stack.Inputs{
		Workspace: &rathausv1alpha1.MunicipalityWorkspace{
			ObjectMeta: metav1.ObjectMeta{Name: "kiel", Namespace: "kiel"},
			Spec:       rathausv1alpha1.MunicipalityWorkspaceSpec{Domain: "kiel.de", Services: rathausv1alpha1.WorkspaceServices{Mail: rathausv1alpha1.MailService{ServiceSwitch: rathausv1alpha1.ServiceSwitch{Enabled: true}}}},
		},
		Platform: &rathausv1alpha1.WorkspacePlatform{},
		Release:  release.BuiltIn(),
		Identity: &stack.Identity{IssuerURL: "https://id.kiel.de/realms/kiel"},
	}
}

func renderEngine(t *testing.T, in stack.Inputs) (*appsv1.StatefulSet, *batchv1.Job) {
	t.Helper()
	p, err := mail.PlanFor(in)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Engine{}.Render(in, p)
	if err != nil {
		t.Fatal(err)
	}
	var sts *appsv1.StatefulSet
	var job *batchv1.Job
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.StatefulSet:
			sts = o
		case *batchv1.Job:
			job = o
		}
	}
	return sts, job
}

// TestServerRestartsOnceThePlanIsApplied: the submission listener the plan adds binds only
// when the server starts. Once the configuration Job has succeeded the server's pod template
// names it (one restart); while it runs, the template keeps what it had.
func TestServerRestartsOnceThePlanIsApplied(t *testing.T) {
	in := engineInputs()
	sts, job := renderEngine(t, in)
	if got := sts.Spec.Template.Annotations[appliedPlanAnnotation]; got != "" {
		t.Fatalf("before any Job ran: %q", got)
	}

	observe := func(objs ...client.Object) {
		in.Observed = map[string]client.Object{}
		for _, o := range objs {
			in.Observed[stack.Key(o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName())] = o
		}
	}
	running := job.DeepCopy()
	observe(sts, running)
	if sts2, _ := renderEngine(t, in); sts2.Spec.Template.Annotations[appliedPlanAnnotation] != "" {
		t.Fatal("a running Job restarts the server")
	}
	done := job.DeepCopy()
	done.Status.Succeeded = 1
	observe(sts, done)
	applied, _ := renderEngine(t, in)
	if got := applied.Spec.Template.Annotations[appliedPlanAnnotation]; got != job.Name {
		t.Fatalf("after the Job succeeded: %q, want %q", got, job.Name)
	}

	// A new plan: a new Job, the old one gone; the server keeps its template until it succeeds.
	in.Workspace.Spec.Admins = []string{"anna@kiel.de"}
	observe(applied)
	next, nextJob := renderEngine(t, in)
	if nextJob.Name == job.Name {
		t.Fatal("a changed plan kept its Job's name")
	}
	if got := next.Spec.Template.Annotations[appliedPlanAnnotation]; got != job.Name {
		t.Fatalf("while the new Job runs: %q, want the previous %q", got, job.Name)
	}
}
