package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/rathaus-io/rathaus/internal/gaiax"
	"github.com/rathaus-io/rathaus/internal/gaiax/conformance"
)

// CheckGaiaXCommand checks published Loire credentials: `kubectl get configmap -A
// --field-selector metadata.name=rathaus-gaiax -o json | rathaus-manager check-gaiax`.
const CheckGaiaXCommand = "check-gaiax"

// checkGaiaX reads a ConfigMap or a List of them as JSON from in and checks every rathaus-gaiax
// ConfigMap in the Loire format (conformance.Check), writing one report per ConfigMap to out.
// It fails when any does not verify or conform, or when there is none to check.
func checkGaiaX(in io.Reader, out io.Writer) error {
	var list struct {
		Kind  string             `json:"kind"`
		Items []corev1.ConfigMap `json:"items"`
	}
	raw, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("the input is not JSON (kubectl get configmap ... -o json): %w", err)
	}
	if list.Kind == "ConfigMap" {
		var cm corev1.ConfigMap
		if err := json.Unmarshal(raw, &cm); err != nil {
			return err
		}
		list.Items = []corev1.ConfigMap{cm}
	}
	checked, failed := 0, 0
	for _, cm := range list.Items {
		if cm.Name != gaiax.ConfigMapName || cm.Data[gaiax.PresentationKey] == "" {
			continue
		}
		checked++
		name := cm.Namespace + "/" + cm.Name
		report, err := conformance.Check(cm.Data)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(out, "%s: FAILED: %v\n", name, err)
		case len(report.Violations) > 0:
			failed++
			fmt.Fprintf(out, "%s: the 25.11 shapes are violated:\n  %s\n", name, strings.Join(report.Violations, "\n  "))
		default:
			fmt.Fprintf(out, "%s: %d credentials and the presentation verified (%s, go-jose) against did-key.json; registration credential %s carried as issued; the 25.11 shapes hold\n",
				name, len(report.Verified), report.Algorithm, report.Registration)
		}
	}
	switch {
	case checked == 0:
		return fmt.Errorf("no %s ConfigMap with Loire credentials in the input", gaiax.ConfigMapName)
	case failed > 0:
		return fmt.Errorf("%d of %d do not verify or conform", failed, checked)
	}
	return nil
}
