package upgrade

import (
	"strings"
	"testing"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func TestWindowAllowed(t *testing.T) {
	window := func(start, duration string, days ...rathausv1alpha1.DayOfWeek) *rathausv1alpha1.MaintenanceWindow {
		return &rathausv1alpha1.MaintenanceWindow{Days: days, Start: start, Duration: duration, TimeZone: "Europe/Berlin"}
	}
	night := &rathausv1alpha1.MaintenanceWindowLimits{Days: []rathausv1alpha1.DayOfWeek{"Saturday", "Sunday"}, EarliestStart: "22:00", LatestStart: "04:00", MaxDuration: "6h"}
	tests := []struct {
		name   string
		w      *rathausv1alpha1.MaintenanceWindow
		limits *rathausv1alpha1.MaintenanceWindowLimits
		say    string // "" when allowed
	}{
		{name: "no limits", w: window("12:00", "24h", "Monday")},
		{name: "no window of its own", limits: night},
		{name: "inside", w: window("02:00", "4h", "Saturday"), limits: night},
		{name: "at the earliest start, over midnight", w: window("22:00", "6h", "Sunday"), limits: night},
		{name: "at the latest start", w: window("04:00", "1h", "Sunday"), limits: night},
		{name: "on a weekday", w: window("02:00", "4h", "Saturday", "Monday"), limits: night, say: "days must be among Saturday, Sunday"},
		{name: "in office hours", w: window("09:00", "4h", "Saturday"), limits: night, say: "start must lie between 22:00 and 04:00"},
		{name: "too long", w: window("02:00", "8h", "Sunday"), limits: night, say: "duration must be at most 6h"},
		{name: "a day range", w: window("13:00", "1h", "Monday"), limits: &rathausv1alpha1.MaintenanceWindowLimits{EarliestStart: "06:00", LatestStart: "12:00"}, say: "start must lie between 06:00 and 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WindowAllowed(tt.w, tt.limits)
			switch {
			case tt.say == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.say != "" && (err == nil || !strings.Contains(err.Error(), tt.say)):
				t.Fatalf("got %v, want a refusal saying %q", err, tt.say)
			}
		})
	}
}
