package ui

import (
	"time"
)

// Duration says d in words, rounded the way a person would: "less than a
// minute", "25 minutes", "1 hour 30 minutes", "about 8 hours", "3 days".
func (l *Locale) Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return l.T("ui.duration.under_minute")
	case d < time.Hour:
		return l.N("ui.duration.minutes", int(d/time.Minute))
	case d < 2*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return l.N("ui.duration.hours", h)
		}
		return l.T("ui.duration.hours_minutes", "hours", l.N("ui.duration.hours", h), "minutes", l.N("ui.duration.minutes", m))
	case d < 48*time.Hour:
		return l.T("ui.duration.about", "duration", l.N("ui.duration.hours", int((d+30*time.Minute)/time.Hour)))
	}
	return l.N("ui.duration.days", int((d+12*time.Hour)/(24*time.Hour)))
}

// Time says when t is, in UTC (the server does not know the reader's time
// zone): the time alone when it is on the same UTC day as now, else with the date.
func (l *Locale) Time(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format(l.T("ui.time.today_layout"))
	}
	return t.Format(l.T("ui.time.date_layout"))
}
