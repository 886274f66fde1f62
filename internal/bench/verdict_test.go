package bench

import (
	"strings"
	"testing"
)

func TestVerdicts(t *testing.T) {
	t.Parallel()
	all := facts{
		"sessions count": 10000, "forward auth/cpu ratio": 0.5, "forward auth/rate ratio": 1.6, "reverse proxy/cpu ratio": 0.4, "reverse proxy/rate ratio": 2,
		"verify set-cookies": 0, "idle writes": 0, "idle seen writes": 1, "idle refused": 0,
		"verify/redis/verify p99": 1900, "verify/cookie/verify p99": 1000, "verify/redis/verify cmds": 3, "verify/redis/verify trips": 1.05,
		"signin/EdDSA rp cpu": 0.6, "foyer/signin rate": 1500, "oauth2-proxy/signin rate": 1000,
		"rp image": 15, "start p50": 20, "start rss": 15,
	}
	with := func(k string, v float64) facts {
		f := facts{}
		for n, x := range all {
			f[n] = x
		}
		f[k] = v
		return f
	}
	without := func(ks ...string) facts {
		f := with("", 0)
		for _, k := range ks {
			delete(f, k)
		}
		return f
	}
	tests := []struct {
		name string
		f    facts
		goal int    // 1-based
		want string // status prefix
	}{
		// Every goal exactly at its bound is met.
		{"1 at the bounds", all, 1, "met"},
		{"2 no session write, one last-seen probe", all, 2, "met"},
		{"3 p99 added 900 µs, 1.05 round trips (a pipeline of 3 commands)", all, 3, "met"},
		{"3 two round trips", with("verify/redis/verify trips", 2), 3, "not met"},
		{"4 at the bounds", all, 4, "met"},
		{"5 at 15 MB", all, 5, "met"},
		{"6 at the bounds", all, 6, "met"},
		// One step past a bound is not.
		{"1 with 9,999 sessions", with("sessions count", 9999), 1, "n/a (measured with 9999 sessions"},
		{"1 forward auth CPU 0.51×", with("forward auth/cpu ratio", 0.51), 1, "not met"},
		{"1 forward auth throughput 1.59×", with("forward auth/rate ratio", 1.59), 1, "not met"},
		{"1 proxy CPU 0.51×", with("reverse proxy/cpu ratio", 0.51), 1, "not met"},
		{"1 proxy throughput 1.59×", with("reverse proxy/rate ratio", 1.59), 1, "not met"},
		{"2 one session write when idle", with("idle writes", 1), 2, "not met"},
		{"2 two last-seen writes when idle", with("idle seen writes", 2), 2, "not met"},
		{"2 an active user refused", with("idle refused", 1), 2, "not met"},
		{"2 writes under load", with("verify set-cookies", 3), 2, "not met"},
		{"3 p99 added 1 ms", with("verify/redis/verify p99", 2000), 3, "not met"},
		{"4 rp 0.61 ms", with("signin/EdDSA rp cpu", 0.61), 4, "not met"},
		{"4 sign-ins 1.49×", with("foyer/signin rate", 1490), 4, "not met"},
		{"5 15.1 MB", with("rp image", 15.1), 5, "not met"},
		{"6 start 20.1 ms", with("start p50", 20.1), 6, "not met"},
		{"6 RSS 15.1 MiB", with("start rss", 15.1), 6, "not met"},
		// Missing figures are n/a, never met.
		{"1 without a peer", without("forward auth/cpu ratio", "forward auth/rate ratio", "reverse proxy/cpu ratio", "reverse proxy/rate ratio"), 1, "n/a (no oauth2-proxy"},
		{"1 nothing", facts{}, 1, "n/a (scenario sessions"},
		{"2 nothing", facts{}, 2, "n/a"},
		{"3 no redis", without("verify/redis/verify p99"), 3, "n/a"},
		{"4 no peer", without("oauth2-proxy/signin rate"), 4, "n/a (half measured"},
		{"5 binary only", with("rp binary", 9), 5, "met"},
		{"5 no image", func() facts { f := without("rp image"); f["rp binary"] = 9; return f }(), 5, "n/a (no rp image"},
		{"6 nothing", facts{}, 6, "n/a"},
	}
	for _, tt := range tests {
		v := verdicts(tt.f)
		if len(v) != 6 {
			t.Fatalf("%s: %d verdicts, want 6", tt.name, len(v))
		}
		got := v[tt.goal-1]
		if !strings.HasPrefix(got.Goal, string(rune('0'+tt.goal))+" ") || !strings.HasPrefix(got.Status, tt.want) ||
			(tt.want == "met" && got.Status != "met") {
			t.Errorf("%s: goal %q status %q (measured %q), want %q", tt.name, got.Goal, got.Status, got.Measured, tt.want)
		}
	}
}
