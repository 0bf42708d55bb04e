package upgrade

import (
	"fmt"
	"time"

	// The IANA time zone database in the binary: the operator's image has no /usr/share/zoneinfo.
	_ "time/tzdata"

	rathausv1alpha1 "github.com/rathaus-io/rathaus/api/v1alpha1"
)

// DefaultWindow is the window of a workspace that sets none: Saturdays and Sundays at 02:00
// Europe/Berlin, for four hours (documented on spec.maintenanceWindow).
var DefaultWindow = rathausv1alpha1.MaintenanceWindow{
	Days:     []rathausv1alpha1.DayOfWeek{"Saturday", "Sunday"},
	Start:    "02:00",
	Duration: "4h",
	TimeZone: "Europe/Berlin",
}

// Window is a weekly maintenance window: on each of its days it opens at a local wall-clock
// time and stays open for a duration of real time.
type Window struct {
	days         [7]bool
	hour, minute int
	duration     time.Duration
	loc          *time.Location
}

var weekdays = map[rathausv1alpha1.DayOfWeek]time.Weekday{
	"Sunday": time.Sunday, "Monday": time.Monday, "Tuesday": time.Tuesday, "Wednesday": time.Wednesday,
	"Thursday": time.Thursday, "Friday": time.Friday, "Saturday": time.Saturday,
}

// WindowOf reads a workspace's window; nil means DefaultWindow. Admission validates the
// fields already; an error here means a time zone the binary does not know.
func WindowOf(mw *rathausv1alpha1.MaintenanceWindow) (Window, error) {
	if mw == nil {
		mw = &DefaultWindow
	}
	var w Window
	for _, d := range mw.Days {
		wd, ok := weekdays[d]
		if !ok {
			return w, fmt.Errorf("maintenanceWindow.days: %q is not a day of the week", d)
		}
		w.days[wd] = true
	}
	if _, err := fmt.Sscanf(mw.Start, "%2d:%2d", &w.hour, &w.minute); err != nil || w.hour > 23 || w.minute > 59 {
		return w, fmt.Errorf("maintenanceWindow.start %q is not a time such as 02:30", mw.Start)
	}
	d, err := time.ParseDuration(mw.Duration)
	if err != nil || d <= 0 || d > 24*time.Hour {
		return w, fmt.Errorf("maintenanceWindow.duration %q must lie between 30m and 24h", mw.Duration)
	}
	w.duration = d
	tz := mw.TimeZone
	if tz == "" {
		tz = DefaultWindow.TimeZone
	}
	if w.loc, err = time.LoadLocation(tz); err != nil {
		return w, fmt.Errorf("maintenanceWindow.timeZone %q is not an IANA time zone such as Europe/Berlin", tz)
	}
	return w, nil
}

// opening returns when the window opens on the local date y-m-d. A start time that the clocks
// skip (spring forward) opens the window when the clocks jump; a start time that occurs twice
// (fall back) opens it at the first occurrence.
func (w Window) opening(y int, m time.Month, d int) time.Time {
	t := time.Date(y, m, d, w.hour, w.minute, 0, 0, w.loc)
	sameWall := func(c time.Time) bool {
		cy, cm, cd := c.Date()
		return cy == y && cm == m && cd == d && c.Hour() == w.hour && c.Minute() == w.minute
	}
	if !sameWall(t) {
		// In a gap: the wall-clock time does not exist; the transition is the bound of the zone
		// t landed in that lies next to it.
		start, end := t.ZoneBounds()
		if t.Hour()*60+t.Minute() > w.hour*60+w.minute || t.Day() != d {
			return start
		}
		return end
	}
	for _, back := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute} {
		if earlier := t.Add(back); sameWall(earlier) {
			return earlier
		}
	}
	return t
}

// Open reports whether the window is open at now.
func (w Window) Open(now time.Time) bool {
	local := now.In(w.loc)
	for offset := -2; offset <= 0; offset++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+offset, 12, 0, 0, 0, w.loc)
		if !w.days[day.Weekday()] {
			continue
		}
		o := w.opening(day.Date())
		if !now.Before(o) && now.Before(o.Add(w.duration)) {
			return true
		}
	}
	return false
}

// Next returns now while the window is open, otherwise when it opens next.
func (w Window) Next(now time.Time) time.Time {
	if w.Open(now) {
		return now
	}
	local := now.In(w.loc)
	for offset := 0; offset <= 8; offset++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+offset, 12, 0, 0, 0, w.loc)
		if !w.days[day.Weekday()] {
			continue
		}
		if o := w.opening(day.Date()); o.After(now) {
			return o
		}
	}
	return time.Time{} // a window without days never opens; admission requires one
}
