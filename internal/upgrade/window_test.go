package upgrade

import (
	"testing"
	"time"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindow(t *testing.T) {
	window := func(start, duration, tz string, days ...rathausv1alpha1.DayOfWeek) *rathausv1alpha1.MaintenanceWindow {
		return &rathausv1alpha1.MaintenanceWindow{Days: days, Start: start, Duration: duration, TimeZone: tz}
	}
	tests := []struct {
		name     string
		window   *rathausv1alpha1.MaintenanceWindow
		now      string
		wantOpen bool
		wantNext string
	}{
		// 2026-12-01 is a Tuesday; Berlin is on CET (UTC+1).
		{name: "default, on a weekday", now: "2026-12-01T10:00:00Z", wantNext: "2026-12-05T01:00:00Z"},
		{name: "default, the moment it opens", now: "2026-12-05T01:00:00Z", wantOpen: true, wantNext: "2026-12-05T01:00:00Z"},
		{name: "default, the last minute", now: "2026-12-05T04:59:00Z", wantOpen: true, wantNext: "2026-12-05T04:59:00Z"},
		{name: "default, closed after four hours", now: "2026-12-05T05:00:00Z", wantNext: "2026-12-06T01:00:00Z"},
		{name: "default, after Sunday's window", now: "2026-12-06T05:00:00Z", wantNext: "2026-12-12T01:00:00Z"},
		{name: "default in summer time", now: "2026-07-04T00:00:00Z", wantOpen: true, wantNext: "2026-07-04T00:00:00Z"},
		{name: "over midnight into a day not listed", window: window("23:00", "4h", "Europe/Berlin", "Friday"), now: "2026-12-05T01:30:00Z", wantOpen: true, wantNext: "2026-12-05T01:30:00Z"},
		{name: "over midnight, closed afterwards", window: window("23:00", "4h", "Europe/Berlin", "Friday"), now: "2026-12-05T22:30:00Z", wantNext: "2026-12-11T22:00:00Z"},
		{name: "24 hours", window: window("00:00", "24h", "UTC", "Wednesday"), now: "2026-12-02T23:59:00Z", wantOpen: true, wantNext: "2026-12-02T23:59:00Z"},
		// 2027-03-28: Berlin's clocks jump from 02:00 CET to 03:00 CEST; 02:30 does not exist.
		{name: "spring forward: a skipped start opens when the clocks jump", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2027-03-27T12:00:00Z", wantNext: "2027-03-28T01:00:00Z"},
		{name: "spring forward: not before", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2027-03-28T00:59:00Z", wantNext: "2027-03-28T01:00:00Z"},
		{name: "spring forward: open for one real hour", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2027-03-28T01:59:00Z", wantOpen: true, wantNext: "2027-03-28T01:59:00Z"},
		{name: "spring forward: a start after the jump is unaffected", window: window("03:00", "1h", "Europe/Berlin", "Sunday"), now: "2027-03-27T12:00:00Z", wantNext: "2027-03-28T01:00:00Z"},
		// 2026-10-25: Berlin's clocks go back from 03:00 CEST to 02:00 CET; 02:30 happens twice.
		{name: "fall back: a repeated start opens at its first occurrence", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2026-10-24T12:00:00Z", wantNext: "2026-10-25T00:30:00Z"},
		{name: "fall back: open for one real hour", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2026-10-25T01:29:00Z", wantOpen: true, wantNext: "2026-10-25T01:29:00Z"},
		{name: "fall back: closed at the second 02:30", window: window("02:30", "1h", "Europe/Berlin", "Sunday"), now: "2026-10-25T01:31:00Z", wantNext: "2026-11-01T01:30:00Z"},
		{name: "another time zone", window: window("22:00", "2h", "America/New_York", "Monday"), now: "2026-12-01T03:30:00Z", wantOpen: true, wantNext: "2026-12-01T03:30:00Z"},
		{name: "time zone defaults to Europe/Berlin", window: window("02:00", "1h", "", "Tuesday"), now: "2026-12-01T00:30:00Z", wantNext: "2026-12-01T01:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := WindowOf(tt.window)
			if err != nil {
				t.Fatal(err)
			}
			now := utc(tt.now)
			if got := w.Open(now); got != tt.wantOpen {
				t.Errorf("Open(%s) = %v, want %v", tt.now, got, tt.wantOpen)
			}
			if got := w.Next(now); !got.Equal(utc(tt.wantNext)) {
				t.Errorf("Next(%s) = %s, want %s", tt.now, got.UTC().Format(time.RFC3339), tt.wantNext)
			}
		})
	}
}

func TestWindowOfRejects(t *testing.T) {
	for _, mw := range []rathausv1alpha1.MaintenanceWindow{
		{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "02:00", Duration: "4h", TimeZone: "Europe/Kiel"},
		{Days: []rathausv1alpha1.DayOfWeek{"Sonntag"}, Start: "02:00", Duration: "4h"},
		{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "25:00", Duration: "4h"},
		{Days: []rathausv1alpha1.DayOfWeek{"Sunday"}, Start: "02:00", Duration: "25h"},
	} {
		if _, err := WindowOf(&mw); err == nil {
			t.Errorf("WindowOf(%+v) accepted", mw)
		}
	}
}
