//go:build tools

// Package tools pins the Helm CLI that hack/build-helm.sh builds from the Go module proxy for
// the chart tests and the demo. It is never compiled into rathaus.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
