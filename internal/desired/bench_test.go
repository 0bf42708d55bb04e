package desired

import (
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// BenchmarkState renders a workspace with every service and backups on, as every reconcile
// does, settled or not: the floor of a no-op reconcile's time.
func BenchmarkState(b *testing.B) {
	in := contractInputs(contractCase{rathausv1alpha1.SizeS, rathausv1alpha1.DatabaseBundled, "bundled", "LoadBalancer", true})
	b.ReportAllocs()
	for b.Loop() {
		derived, err := Derive(in, Components)
		if err != nil {
			b.Fatal(err)
		}
		derived.Records = Records(derived, Components)
		if _, err := State(derived, Components); err != nil {
			b.Fatal(err)
		}
	}
}
