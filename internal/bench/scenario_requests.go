package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// target is one URL put under open-loop load.
type target struct {
	name   string // "healthz", "verify", "proxy" or "direct"
	url    string
	cookie string // Cookie header, if any
}

// targetResult holds the medians of one target's measured runs.
type targetResult struct {
	rate, p50, p99, rpCPU float64 // req/s; µs; µs; µs of rp CPU per request
	redisCmds, redisReads float64 // commands and socket reads (round trips) Redis processed per request
	failed                int
}

// requests measures signed-in requests under open-loop load at Rate: for
// "verify", rp's /auth/verify and, as the floor under it, rp's /healthz;
// for "proxy", a request proxied by rp to an
// in-tool upstream and the same request to the upstream directly. Each with
// the cookie store and, where redis-server and rp's support exist, Redis.
func (s *suite) requests(ctx context.Context, which string) error {
	if err := s.requestsStore(ctx, which, "cookie", nil); err != nil {
		return err
	}
	r, err := startRedis(ctx, s.tmp)
	if err != nil {
		s.na(which, "redis", "p50 / p99 latency", err)
		return nil
	}
	defer r.Stop()
	if err := s.requestsStore(ctx, which, "redis", r); err != nil {
		s.na(which, "redis", "p50 / p99 latency", fmt.Errorf("%w: %v", errNA, err))
	}
	return nil
}

// requestsStore runs one scenario with one session store; r is nil for the
// cookie store.
func (s *suite) requestsStore(ctx context.Context, which, store string, r *redisServer) error {
	up, err := startUpstream()
	if err != nil {
		return err
	}
	defer up.Close()
	opts := stackOptions{alg: "EdDSA"}
	if r != nil {
		opts.sessionStore = r.URL
	}
	if which == "proxy" {
		opts.upstream = up.URL
	}
	st, err := s.startStack(ctx, opts)
	if err != nil {
		if r != nil {
			return fmt.Errorf("rp with --session-store redis:// did not start: %s", refusal(err))
		}
		return err
	}
	defer stopStack(st)
	cookie, err := s.signer(st).SignIn(ctx)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: s.transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var targets []target
	switch which {
	case "verify":
		// /healthz does no session work: its cost is the floor that HTTP,
		// the kernel and Go's scheduler put under every request to rp.
		targets = []target{{"healthz", st.RPURL + "/healthz", cookie}, {"verify", st.RPURL + "/auth/verify", cookie}}
		if err := wantStatus(ctx, client, st.RPURL+"/auth/verify", "", http.StatusUnauthorized); err != nil {
			return fmt.Errorf("verify without a session: %w", err)
		}
	case "proxy":
		targets = []target{{"direct", up.URL + "/bench", ""}, {"proxy", st.RPURL + "/bench", cookie}}
	}
	if err := checkIdentity(ctx, client, targets[len(targets)-1], "alice"); err != nil {
		return err
	}
	results := map[string]targetResult{}
	for _, t := range targets {
		if err := wantStatus(ctx, client, t.url, t.cookie, http.StatusOK); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		res, err := s.runTarget(ctx, client, st, r, t)
		if err != nil {
			return err
		}
		results[t.name] = res
		s.reportTarget(which, store, t, res, r != nil)
	}
	if which == "verify" {
		s.report.Add(which, store, "verify − healthz: rp CPU per request", results["verify"].rpCPU-results["healthz"].rpCPU, "µs", "≪ 100 µs")
	}
	if which == "proxy" {
		d, p := results["direct"], results["proxy"]
		s.report.Add(which, store, "added by proxy: p50", p.p50-d.p50, "µs", "")
		s.report.Add(which, store, "added by proxy: p99", p.p99-d.p99, "µs", "< 1000 µs")
	}
	return nil
}

// reportTarget adds one target's figures to the report.
func (s *suite) reportTarget(which, store string, t target, res targetResult, redis bool) {
	kase := store
	if t.name == "direct" {
		kase = "upstream direct"
	}
	metric := fmt.Sprintf("%s @ %g req/s", t.name, s.cfg.Rate)
	s.report.Add(which, kase, metric+": throughput", res.rate, "req/s", "")
	s.report.Add(which, kase, metric+": p50", res.p50, "µs", "")
	s.report.Add(which, kase, metric+": p99", res.p99, "µs", "")
	s.facts[which+"/"+store+"/"+t.name+" p99"] = res.p99
	if redis {
		s.facts[which+"/"+store+"/"+t.name+" cmds"] = res.redisCmds
		s.facts[which+"/"+store+"/"+t.name+" trips"] = res.redisReads
	}
	if t.name != "direct" {
		s.report.Add(which, kase, t.name+": rp CPU per request", res.rpCPU, "µs", "")
		if redis {
			s.report.Add(which, kase, t.name+": Redis commands per request", res.redisCmds, "", "")
			s.report.Add(which, kase, t.name+": Redis round trips (socket reads) per request", res.redisReads, "", "≤ 1")
		}
	}
	if res.failed > 0 {
		s.report.Add(which, kase, t.name+": failed requests (all runs)", float64(res.failed), "", "0")
	}
}

// runTarget puts t under open-loop load: a warm-up, then the measured runs.
// With r set it also counts the commands Redis processed.
func (s *suite) runTarget(ctx context.Context, client *http.Client, st *stack.Stack, r *redisServer, t target) (targetResult, error) {
	do := func(ctx context.Context) error { return wantStatus(ctx, client, t.url, t.cookie, http.StatusOK) }
	OpenLoop{Rate: s.cfg.Rate, Duration: s.cfg.Warmup}.Run(ctx, do)
	var rate, p50, p99, cpu, cmds, reads []float64
	var out targetResult
	for run := range s.cfg.Runs {
		meter, err := newCPUMeter(st.RP.PID())
		if err != nil {
			return out, err
		}
		cmds0, reads0, err := r.stats(ctx)
		if err != nil {
			return out, err
		}
		res := OpenLoop{Rate: s.cfg.Rate, Duration: s.cfg.Duration}.Run(ctx, do)
		used, err := meter.since()
		if err != nil {
			return out, err
		}
		cmds1, reads1, err := r.stats(ctx)
		if err != nil {
			return out, err
		}
		if res.OK == 0 {
			return out, fmt.Errorf("%s: no request succeeded: %w", t.name, res.FirstErr)
		}
		if res.Failed > 0 {
			s.logf("%s run %d: %d of %d failed, first: %v", t.name, run+1, res.Failed, res.Sent, res.FirstErr)
		}
		out.failed += res.Failed
		n := float64(res.OK)
		rate = append(rate, res.Throughput())
		p50 = append(p50, us(res.Latency.P50))
		p99 = append(p99, us(res.Latency.P99))
		cpu = append(cpu, us(used[0])/n)
		if r != nil {
			cmds = append(cmds, float64(cmds1-cmds0-1)/n) // -1: the second INFO itself
			reads = append(reads, float64(reads1-reads0-1)/n)
		}
		s.logf("%s run %d: %d ok, %.0f req/s, p50 %v, p99 %v, max %v, rp cpu %v; send lag p50 %v p99 %v",
			t.name, run+1, res.OK, res.Throughput(), res.Latency.P50, res.Latency.P99, res.Latency.Max, used[0], res.Lag.P50, res.Lag.P99)
	}
	out.rate, out.p50, out.p99, out.rpCPU = Median(rate), Median(p50), Median(p99), Median(cpu)
	out.redisCmds, out.redisReads = Median(cmds), Median(reads)
	return out, nil
}

// wantStatus GETs url with the Cookie header cookie (if any) and fails
// unless the status is want; want 200 accepts any 2xx.
func wantStatus(ctx context.Context, client *http.Client, url, cookie string, want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	got := resp.StatusCode
	if got == want || (want == http.StatusOK && got/100 == 2) {
		return nil
	}
	return fmt.Errorf("GET %s: status %d, want %d", req.URL.Path, got, want)
}

// checkIdentity checks that a signed-in request to t names the user want:
// /auth/verify in its X-Forwarded-User response header, a proxied request
// in the body of the upstream, which echoes the header it received.
func checkIdentity(ctx context.Context, client *http.Client, t target, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Cookie", t.cookie)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	got := resp.Header.Get("X-Forwarded-User")
	if t.name == "proxy" {
		got = strings.TrimPrefix(strings.TrimSpace(string(body)), "user=")
	}
	if resp.StatusCode/100 != 2 || got != want {
		return fmt.Errorf("%s: status %d, user %q; want 2xx and %q", t.name, resp.StatusCode, got, want)
	}
	return nil
}

// refusal returns why a program did not start: the last line of the output
// that the error carries (see stack.Process.WaitReady), else its first line.
func refusal(err error) string {
	msg := err.Error()
	if _, out, ok := strings.Cut(msg, " output ---\n"); ok {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	return firstLine(msg)
}
