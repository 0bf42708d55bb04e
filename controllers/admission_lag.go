package controllers

import (
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
)

// operatorScopeDenial is what the operator-scope admission policy says when it refuses a
// write in a namespace without the workspace label (config/admission/operator-scope.yaml and
// the chart's copy; TestOperatorScopeDenialMatchesThePolicy keeps them together).
const operatorScopeDenial = "the rathaus operator writes only in namespaces that hold a workspace"

// deniedForUnlabelledNamespace reports whether err is that refusal. Right after the operator
// labels a new workspace's namespace, the policy may still see the namespace as it was: it
// reads namespaces from the API server's own cache, which lags under load (136 of the first
// writes of 1,000 workspaces created at once were refused so on the benchmark machine).
func deniedForUnlabelledNamespace(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), operatorScopeDenial)
}

// admissionLag is how long a write refused so is retried while the policy catches up: 0.1 s
// doubling, about 3 s in all, before the reconcile fails and is retried as any other. Both
// ways the operator writes into a workspace's namespace use it: creating generated Secrets,
// which usually come first, and applying objects, which come first when a workspace needs no
// Secret.
var admissionLag = wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Steps: 6}
