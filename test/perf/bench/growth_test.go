package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGrowthIsPerWorkspaceAndSorted(t *testing.T) {
	run := func(n int, seconds float64, rss float64, mutating int) result {
		return result{
			Workspaces: n,
			Install: phase{Seconds: seconds, PeakRSSMiB: rss, Reconciles: 4 * n,
				RequestsByMethod: map[string]int{"GET": 10 * n, "PATCH": mutating}, MutatingPerWorkspace: float64(mutating) / float64(n)},
			Resync:   &phase{Seconds: 6, PeakRSSMiB: rss + 20},
			Baseline: &baseline{Seconds: seconds / 2, Ratio: 2},
		}
	}
	rows := growth([]result{run(1000, 2400, 900, 110000), run(100, 200, 150, 11000)})
	if len(rows) != 2 || rows[0].Workspaces != 100 || rows[1].Workspaces != 1000 {
		t.Fatalf("rows not sorted by N: %+v", rows)
	}
	small, large := rows[0], rows[1]
	for what, got := range map[string][2]float64{
		"seconds per 100":        {small.SecondsPer100, 200},
		"requests per workspace": {small.RequestsPerWorkspace, 120},
		"reconciles":             {small.ReconcilesPerWorkspace, 4},
		"RSS per workspace":      {small.RSSKiBPerWorkspace, 1741}, // 170 MiB / 100, rounded
		"large seconds per 100":  {large.SecondsPer100, 240},
		"baseline":               {large.BaselineSeconds, 1200},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %v, want %v", what, got[0], got[1])
		}
	}
	var out bytes.Buffer
	printGrowth(&out, rows)
	if lines := strings.Count(out.String(), "\n| "); lines != 4 {
		t.Errorf("table has %d lines, want a header, a separator and two runs:\n%s", lines, out.String())
	}
}
