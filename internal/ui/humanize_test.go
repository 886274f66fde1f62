package ui

import (
	"testing"
	"time"
)

func TestDurationAndTime(t *testing.T) {
	t.Parallel()
	cats, err := LoadCatalogs(nil)
	if err != nil {
		t.Fatal(err)
	}
	en, ko := cats.Locale("en"), cats.Locale("ko")
	durations := []struct {
		d      time.Duration
		en, ko string
	}{
		{59 * time.Second, "less than a minute", "1분 미만"},
		{time.Minute, "1 minute", "1분"},
		{59*time.Minute + 59*time.Second, "59 minutes", "59분"},
		{time.Hour, "1 hour", "1시간"},
		{90 * time.Minute, "1 hour 30 minutes", "1시간 30분"},
		{2 * time.Hour, "about 2 hours", "약 2시간"},
		{11*time.Hour + 31*time.Minute, "about 12 hours", "약 12시간"},
		{47 * time.Hour, "about 47 hours", "약 47시간"},
		{48 * time.Hour, "2 days", "2일"},
	}
	for _, tt := range durations {
		if got := en.Duration(tt.d); got != tt.en {
			t.Errorf("en %v: %q, want %q", tt.d, got, tt.en)
		}
		if got := ko.Duration(tt.d); got != tt.ko {
			t.Errorf("ko %v: %q, want %q", tt.d, got, tt.ko)
		}
	}
	now := time.Date(2026, 3, 7, 9, 0, 0, 0, time.FixedZone("KST", 9*3600)) // 00:00 UTC
	later := now.Add(22*time.Hour + 18*time.Minute)
	tomorrow := now.Add(25 * time.Hour)
	for _, tt := range []struct{ got, want string }{
		{en.Time(later, now), "22:18 UTC"},
		{ko.Time(later, now), "22:18 UTC"},
		{en.Time(tomorrow, now), "Mar 8, 01:00 UTC"},
		{ko.Time(tomorrow, now), "3월 8일 01:00 UTC"},
	} {
		if tt.got != tt.want {
			t.Errorf("Time: %q, want %q", tt.got, tt.want)
		}
	}
}
