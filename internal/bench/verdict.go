package bench

import (
	"fmt"
	"strings"
)

// Verdict is one goal of issue 18 held against what this run measured.
type Verdict struct {
	// Goal is the number and the target, e.g. "6 mockidp start ≤ 20 ms median, idle RSS ≤ 15 MiB".
	Goal string `json:"goal"`
	// Measured is what the run found, e.g. "4.9 ms, 9.8 MiB".
	Measured string `json:"measured"`
	// Status is "met", "not met" or "n/a (reason)".
	Status string `json:"status"`
}

// facts are the figures the verdicts are taken from, keyed by name; a
// scenario that did not run leaves its facts out.
type facts map[string]float64

// has reports whether every name is in f.
func (f facts) has(names ...string) bool {
	for _, n := range names {
		if _, ok := f[n]; !ok {
			return false
		}
	}
	return true
}

// status is "met" when ok, else "not met".
func status(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// na is the status of a goal whose figures were not taken.
func na(why string) string { return "n/a (" + why + ")" }

// verdicts holds each goal of issue 18 against f.
func verdicts(f facts) []Verdict {
	var out []Verdict
	add := func(goal, measured, st string) { out = append(out, Verdict{goal, measured, st}) }

	g := "1 forward auth and reverse proxy, 10,000 sessions: ≤ 0.5× oauth2-proxy's server CPU per request and ≥ 1.6× its throughput (cold decode ≤ 15 µs: Go benchmark, not run here)"
	switch {
	case f.has("forward auth/cpu ratio", "forward auth/rate ratio", "reverse proxy/cpu ratio", "reverse proxy/rate ratio"):
		fa, fr, pa, pr := f["forward auth/cpu ratio"], f["forward auth/rate ratio"], f["reverse proxy/cpu ratio"], f["reverse proxy/rate ratio"]
		st := status(fa <= 0.5 && fr >= 1.6 && pa <= 0.5 && pr >= 1.6)
		if n := f["sessions count"]; n < 10000 {
			st = na(fmt.Sprintf("measured with %.0f sessions; the goal needs 10,000", n))
		}
		add(g, fmt.Sprintf("forward auth CPU %.2f×, throughput %.2f×; reverse proxy CPU %.2f×, throughput %.2f×", fa, fr, pa, pr), st)
	case f.has("verify set-cookies"):
		add(g, "foyer only", na("no oauth2-proxy to compare with: set "+PeerEnv))
	default:
		add(g, "", na("scenario sessions not run"))
	}

	g = "2 no cookie writes on the verify path; idle time kept when the proxy drops Set-Cookie"
	if f.has("idle writes", "idle refused") {
		m := fmt.Sprintf("%.0f session Set-Cookie answers, %.0f last-seen ones, %.0f refusals of an active user (idle)", f["idle writes"], f["idle seen writes"], f["idle refused"])
		// One last-seen cookie is how rp learns that the proxy drops them.
		ok := f["idle writes"] == 0 && f["idle seen writes"] <= 1 && f["idle refused"] == 0
		if f.has("verify set-cookies") {
			m += fmt.Sprintf("; %.0f Set-Cookie answers under load (sessions)", f["verify set-cookies"])
			ok = ok && f["verify set-cookies"] == 0
		}
		add(g, m, status(ok))
	} else {
		add(g, "", na("scenario idle not run"))
	}

	g = "3 Redis store: one round trip per signed-in request, p99 added < 1 ms at the open-loop rate"
	if f.has("verify/redis/verify p99", "verify/cookie/verify p99", "verify/redis/verify trips") {
		added, trips := f["verify/redis/verify p99"]-f["verify/cookie/verify p99"], f["verify/redis/verify trips"]
		add(g, fmt.Sprintf("p99 added %.0f µs over the cookie store; %.2f round trips (%.1f commands) per request",
			added, trips, f["verify/redis/verify cmds"]), status(added < 1000 && trips <= 1.05))
	} else {
		add(g, "", na("scenario verify not run with redis-server"))
	}

	g = "4 rp CPU per sign-in ≤ 0.6 ms; sign-ins/s against an EdDSA mock ≥ 1.5× oauth2-proxy's"
	var parts []string
	ok, known := true, 0
	if f.has("signin/EdDSA rp cpu") {
		parts = append(parts, fmt.Sprintf("rp %.2f ms per sign-in (EdDSA)", f["signin/EdDSA rp cpu"]))
		ok, known = ok && f["signin/EdDSA rp cpu"] <= 0.6, known+1
	}
	if f.has("foyer/signin rate", "oauth2-proxy/signin rate") {
		r := f["foyer/signin rate"] / f["oauth2-proxy/signin rate"]
		parts = append(parts, fmt.Sprintf("sign-ins/s %.2f× oauth2-proxy's (%.0f vs %.0f)", r, f["foyer/signin rate"], f["oauth2-proxy/signin rate"]))
		ok, known = ok && r >= 1.5, known+1
	}
	switch known {
	case 2:
		add(g, strings.Join(parts, "; "), status(ok))
	case 1:
		add(g, strings.Join(parts, "; "), na("half measured: needs scenarios signin and sessions with "+PeerEnv))
	default:
		add(g, "", na("scenarios signin and sessions not run"))
	}

	g = "5 rp image ≤ 15 MB"
	switch {
	case f.has("rp image"):
		add(g, fmt.Sprintf("%.1f MB", f["rp image"]), status(f["rp image"] <= 15))
	case f.has("rp binary"):
		add(g, fmt.Sprintf("binary %.1f MB", f["rp binary"]), na("no rp image: run make images"))
	default:
		add(g, "", na("scenario start not run"))
	}

	g = "6 mockidp start ≤ 20 ms median, idle RSS ≤ 15 MiB"
	if f.has("start p50", "start rss") {
		add(g, fmt.Sprintf("%.1f ms, %.1f MiB", f["start p50"], f["start rss"]), status(f["start p50"] <= 20 && f["start rss"] <= 15))
	} else {
		add(g, "", na("scenario start not run"))
	}
	return out
}
