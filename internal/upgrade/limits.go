package upgrade

import (
	"fmt"
	"slices"
	"strings"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// WindowAllowed checks a municipality's maintenance window against the provider's limits; a
// workspace without a window of its own takes upgrades whenever the platform allows, which no
// limit refuses. The error says what to change, for the workspace's Stalled condition.
func WindowAllowed(w *rathausv1alpha1.MaintenanceWindow, l *rathausv1alpha1.MaintenanceWindowLimits) error {
	if w == nil || l == nil {
		return nil
	}
	var problems []string
	if len(l.Days) > 0 {
		for _, d := range w.Days {
			if !slices.Contains(l.Days, d) {
				problems = append(problems, fmt.Sprintf("days must be among %s", join(l.Days)))
				break
			}
		}
	}
	if l.EarliestStart != "" && l.LatestStart != "" && !startAllowed(w.Start, l.EarliestStart, l.LatestStart) {
		problems = append(problems, fmt.Sprintf("start must lie between %s and %s", l.EarliestStart, l.LatestStart))
	}
	if l.MaxDuration != "" {
		max, errMax := time.ParseDuration(l.MaxDuration)
		d, err := time.ParseDuration(w.Duration)
		if errMax == nil && err == nil && d > max {
			problems = append(problems, fmt.Sprintf("duration must be at most %s", l.MaxDuration))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("maintenanceWindow is outside what the provider allows: %s", strings.Join(problems, "; "))
}

// startAllowed reports whether start (HH:MM) lies between earliest and latest, both included;
// an earliest after latest is a range over midnight. Times compare as text, as HH:MM sorts.
func startAllowed(start, earliest, latest string) bool {
	if earliest <= latest {
		return start >= earliest && start <= latest
	}
	return start >= earliest || start <= latest
}

func join(days []rathausv1alpha1.DayOfWeek) string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = string(d)
	}
	return strings.Join(out, ", ")
}
