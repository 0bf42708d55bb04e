//go:build tools

// Package tools pins kwok (simulated nodes) and kwokctl (the cluster launcher) for the local
// simulated cluster. It is never compiled into rathaus.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)
