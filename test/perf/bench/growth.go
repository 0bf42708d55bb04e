package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/rathaus-io/rathaus/test/framework"
)

// growthRow is one run's figures per workspace, so that runs of different N compare: if the
// operator's cost is linear in N, every column but N stays put.
type growthRow struct {
	Workspaces             int     `json:"workspaces"`
	InstallSeconds         float64 `json:"installSeconds"`
	SecondsPer100          float64 `json:"secondsPer100Workspaces"`
	BaselineSeconds        float64 `json:"baselineSeconds,omitempty"`
	Ratio                  float64 `json:"ratio,omitempty"`
	PeakRSSMiB             float64 `json:"peakRSSMiB"`
	RSSKiBPerWorkspace     float64 `json:"rssKiBPerWorkspace"`
	RequestsPerWorkspace   float64 `json:"requestsPerWorkspace"`
	MutatingPerWorkspace   float64 `json:"mutatingPerWorkspace"`
	ReconcilesPerWorkspace float64 `json:"reconcilesPerWorkspace"`
	ResyncSeconds          float64 `json:"resyncSeconds"`
	ResyncMutatingRequests int     `json:"resyncMutatingRequests"`
	ResyncPeakRSSMiB       float64 `json:"resyncPeakRSSMiB"`
}

// growth turns the results of runs of several N into rows, smallest N first. The peak RSS
// is the larger of both phases'.
func growth(runs []result) []growthRow {
	rows := make([]growthRow, 0, len(runs))
	for _, r := range runs {
		n := float64(r.Workspaces)
		row := growthRow{
			Workspaces:             r.Workspaces,
			InstallSeconds:         r.Install.Seconds,
			SecondsPer100:          round1(r.Install.Seconds / n * 100),
			PeakRSSMiB:             r.Install.PeakRSSMiB,
			RequestsPerWorkspace:   round1(float64(total(r.Install.RequestsByMethod)) / n),
			MutatingPerWorkspace:   r.Install.MutatingPerWorkspace,
			ReconcilesPerWorkspace: round1(float64(r.Install.Reconciles) / n),
		}
		if r.Resync != nil {
			row.ResyncSeconds = r.Resync.Seconds
			row.ResyncMutatingRequests = r.Resync.MutatingRequests
			row.ResyncPeakRSSMiB = r.Resync.PeakRSSMiB
		}
		row.RSSKiBPerWorkspace = math.Round(math.Max(row.PeakRSSMiB, row.ResyncPeakRSSMiB) * 1024 / n)
		if r.Baseline != nil {
			row.BaselineSeconds = r.Baseline.Seconds
			row.Ratio = r.Baseline.Ratio
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Workspaces < rows[j].Workspaces })
	return rows
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func printGrowth(w io.Writer, rows []growthRow) {
	fmt.Fprintln(w, "\n| N | install | per 100 workspaces | baseline | ratio | peak RSS (install / resync) | RSS per workspace | requests per workspace | mutating per workspace | reconciles per workspace | resync | resync writes |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		baseline, ratio := "–", "–"
		if r.BaselineSeconds > 0 {
			baseline, ratio = fmt.Sprintf("%.0fs", r.BaselineSeconds), fmt.Sprintf("%.2f", r.Ratio)
		}
		fmt.Fprintf(w, "| %d | %.0fs | %.1fs | %s | %s | %.0f / %.0f MiB | %.0f KiB | %.1f | %.1f | %.1f | %.0fs | %d |\n",
			r.Workspaces, r.InstallSeconds, r.SecondsPer100, baseline, ratio, r.PeakRSSMiB, r.ResyncPeakRSSMiB,
			r.RSSKiBPerWorkspace, r.RequestsPerWorkspace, r.MutatingPerWorkspace, r.ReconcilesPerWorkspace, r.ResyncSeconds, r.ResyncMutatingRequests)
	}
}

// runGrowth prints and writes the growth table of the runs' JSON files (comma-separated).
func runGrowth(o options) error {
	var runs []result
	for _, path := range strings.Split(o.runs, ",") {
		var r result
		if err := framework.ReadJSON(path, &r); err != nil {
			return fmt.Errorf("figures of a run: %w", err)
		}
		runs = append(runs, r)
	}
	rows := growth(runs)
	printGrowth(os.Stdout, rows)
	if err := framework.WriteJSON(o.out, rows); err != nil {
		return err
	}
	framework.Logf("growth table written to %s", o.out)
	return nil
}
