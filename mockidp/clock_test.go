package mockidp

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		steps func(p *Provider, wall *time.Time)
		want  time.Duration // provider time minus base at the end
	}{
		{"runs with the wall clock", func(_ *Provider, w *time.Time) { *w = w.Add(time.Second) }, time.Second},
		{"advance", func(p *Provider, _ *time.Time) { p.Advance(time.Hour) }, time.Hour},
		{"frozen ignores the wall clock", func(p *Provider, w *time.Time) { p.Freeze(); *w = w.Add(time.Hour) }, 0},
		{"frozen advance", func(p *Provider, w *time.Time) { p.Freeze(); p.Advance(time.Minute); *w = w.Add(time.Hour) }, time.Minute},
		{"freeze twice keeps the first instant", func(p *Provider, w *time.Time) {
			p.Freeze()
			*w = w.Add(time.Hour)
			p.Freeze()
		}, 0},
		{"unfreeze resumes from the frozen time", func(p *Provider, w *time.Time) {
			p.Freeze()
			*w = w.Add(time.Hour)
			p.Unfreeze()
			*w = w.Add(time.Second)
		}, time.Second},
		{"unfreeze a running clock", func(p *Provider, _ *time.Time) { p.Unfreeze() }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wall := base
			p, err := New(Config{Issuer: "http://127.0.0.1:9400", Now: func() time.Time { return wall }})
			if err != nil {
				t.Fatal(err)
			}
			tt.steps(p, &wall)
			if got := p.Now().Sub(base); got != tt.want {
				t.Errorf("Now() - base = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFreezeReturnsFrozenTime(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	at := ts.Freeze()
	if got := ts.Now(); !got.Equal(at) {
		t.Errorf("Now() = %v, want the frozen %v", got, at)
	}
}
