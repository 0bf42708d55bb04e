package e2e

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("The resilience campaign (make chaos)", func() {
	It("converges with every credential, claim and owner intact while the operator is killed and the API server restarted and stopped", func(ctx SpecContext) {
		o := chaos
		dir := GinkgoT().TempDir()
		if o.out == "" {
			o.out = filepath.Join(dir, "chaos.json")
		}
		if o.log == "" {
			o.log = filepath.Join(dir, "operator.log")
		}
		DeferCleanup(func() {
			if CurrentSpecReport().Failed() {
				GinkgoWriter.Print(logTail(o.log))
			}
		})

		// The table is the campaign's report: on stdout, which go test shows for a failing
		// package (or with -v) and make chaos always.
		res, err := run(ctx, o, os.Stdout)
		Expect(err).NotTo(HaveOccurred(), "the campaign could not be carried out")
		Expect(res.Failures).To(BeEmpty(), "%d checks failed:\n  - %s", len(res.Failures), strings.Join(res.Failures, "\n  - "))
		Expect(res.KillsProvisioning+res.KillsUpgrade).To(Equal(o.kills), "operator kills")
		Expect(res.APIServerRestarts).To(Equal(1), "API server restarts while provisioning")
		Expect(res.APIServerOutages).To(Equal(1), "API server outages while upgrading")
		Expect(res.StepsSucceeded).To(Equal(2*o.n), "upgrade steps succeeded (two per workspace)")
	})
})

// logTail returns the end of the operator's log for a failure report.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\noperator log (end):\n" + string(b)
}
