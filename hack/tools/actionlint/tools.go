//go:build tools

// Package tools pins actionlint, the linter of the GitHub Actions workflows (.github/workflows)
// that hack/build-actionlint.sh builds from the Go module proxy for 'make lint'. It is never
// compiled into rathaus.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
