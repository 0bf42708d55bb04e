// Package releases embeds the StackRelease catalog that rathaus ships: one YAML file per
// release, named after its version. The newest of them is the release built into the operator
// (internal/release.BuiltIn); the chart copies all of them (hack/chartgen, 'make manifests').
//
// The package lives next to the files because go:embed cannot reach a parent directory. It
// only embeds; internal/release decodes and checks.
package releases

import "embed"

// FS holds the catalog files (*.yaml) at its root.
//
//go:embed *.yaml
var FS embed.FS
