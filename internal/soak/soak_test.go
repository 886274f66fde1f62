package soak

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSoakInProcess runs a short soak of rp and the mock provider in this
// process and requires every check to pass. A few seconds are mostly warm-up,
// so the memory criterion is loosened here; `make soak` judges it over minutes.
func TestSoakInProcess(t *testing.T) {
	t.Parallel()
	r, err := Run(context.Background(), Config{
		Mode: ModeInProcess, Duration: 6 * time.Second, Warmup: 2 * time.Second, SampleEvery: 250 * time.Millisecond,
		Users: 24, Workers: 4, Hostile: 0.15, SignOut: 0.2, MaxGrowth: 2,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var out strings.Builder
	r.WriteText(&out)
	if !r.Passed() {
		t.Fatalf("soak failed:\n%s", out.String())
	}
	// Which hostile kinds come up is random; the kinds every visit makes must.
	for _, kind := range []string{"login", "provider authorize", "callback", "userinfo", "verify", "page"} {
		if r.ByKind[kind] == 0 {
			t.Errorf("no %q requests in the soak:\n%s", kind, out.String())
		}
	}
	if r.SignIns == 0 || r.SignOuts == 0 || r.Hostile == 0 {
		t.Errorf("sign-ins %d, sign-outs %d, hostile %d: want each > 0", r.SignIns, r.SignOuts, r.Hostile)
	}
}

func TestMemoryFlat(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	series := func(mem ...int64) []Sample {
		out := make([]Sample, len(mem))
		for i, m := range mem {
			out[i] = Sample{Seconds: float64(i + 1), Mem: m * mib}
		}
		return out
	}
	c := Config{Warmup: 2 * time.Second, MaxGrowth: 0.25}
	for _, tc := range []struct {
		name    string
		samples []Sample
		want    bool
	}{
		{"flat", series(90, 40, 50, 52, 49, 51, 50, 50), true},
		{"noisy but flat", series(10, 40, 60, 45, 55, 50, 62, 48), true},
		{"small heap, growth under 8 MiB", series(1, 2, 3, 4, 6, 8, 9, 10), true},
		{"growing", series(40, 50, 60, 70, 80, 90, 100, 110), false},
		{"step up", series(40, 50, 50, 50, 50, 80, 80, 80), false},
		{"too few samples", series(50, 50, 50, 50), false},
	} {
		if got := memoryFlat(c, tc.samples); got.Passed != tc.want {
			t.Errorf("%s: passed = %v (%s), want %v", tc.name, got.Passed, got.Detail, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]Config{
		"mode":             {Mode: "docker"},
		"warm-up":          {Duration: time.Minute, Warmup: 2 * time.Minute},
		"users":            {Users: -1},
		"hostile":          {Hostile: 1.5},
		"sign-out":         {SignOut: 2},
		"sample":           {SampleEvery: time.Millisecond},
		"access tokens":    {AccessTokenTTL: 30 * time.Second},
		"store in process": {Mode: ModeInProcess, SessionStore: "redis://127.0.0.1:6379/0"},
	} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%s: withDefaults(%+v) = nil error, want one", name, c)
		}
	}
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	// The defaults are the test's own values.
	if c.Mode != ModeProcess || c.Duration != 10*time.Minute || c.Warmup != 10*time.Minute/4 || c.Users != 2000 {
		t.Errorf("defaults: got %+v", c)
	}
}

func TestReportPassed(t *testing.T) {
	t.Parallel()
	if (&Report{}).Passed() {
		t.Error("a report with no checks passed")
	}
	r := &Report{Checks: []Check{{Name: "a", Passed: true}, {Name: "b", Passed: false}}}
	if r.Passed() {
		t.Error("a report with a failed check passed")
	}
}
