package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// loadKinds are the signed-in requests `sessions` measures: forward auth
// (the peer's verify route) and a request the peer proxies to the upstream.
var loadKinds = []string{"forward auth", "reverse proxy"}

// loadResult is one closed-loop run against one peer.
type loadResult struct {
	rate       float64 // successful requests per second
	cpu, tool  float64 // µs of CPU per request: the peer, the load tool
	setCookies int64   // answers carrying Set-Cookie
	failed     int
}

// sessions measures signed-in requests spread over Config.Sessions distinct
// sessions (more than rp's decoded-session cache holds), at the highest
// throughput Config.Conns connections reach in a closed loop, each request
// carrying the next session in turn: forward auth and the reverse proxy, for
// foyer and, when Config.OAuth2Proxy is set, oauth2-proxy with the same
// mockidp (EdDSA) and upstream. The measured runs alternate between the two,
// so that both see the same noise; each ratio (foyer ÷ oauth2-proxy) is the
// median of the per-run ratios.
func (s *suite) sessions(ctx context.Context) error {
	up, err := startUpstream()
	if err != nil {
		return err
	}
	defer up.Close()
	st, err := s.startStack(ctx, stackOptions{alg: "EdDSA", upstream: up.URL})
	if err != nil {
		return err
	}
	defer stopStack(st)
	peers := []*peer{{name: "foyer", url: st.RPURL, paths: FoyerPaths, proc: st.RP}}
	if s.cfg.OAuth2Proxy == "" {
		s.report.AddNA("sessions", "oauth2-proxy", "comparison", "no peer: set "+PeerEnv+" or -peer-oauth2-proxy")
	} else if op, err := s.startOAuth2Proxy(ctx, s.cfg.OAuth2Proxy, st.Issuer, up.URL); err != nil {
		s.na("sessions", "oauth2-proxy", "comparison", fmt.Errorf("%w: oauth2-proxy did not start: %s", errNA, refusal(err)))
	} else {
		defer op.proc.Terminate(stopGrace)
		peers = append(peers, op)
	}
	for _, p := range peers {
		if err := s.signInMany(ctx, p, s.cfg.Sessions, st.MockIDP.PID()); err != nil {
			return err
		}
		if err := s.checkProxied(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	s.facts["sessions count"] = float64(s.cfg.Sessions)
	results := map[string][]loadResult{} // by peer name + "/" + kind
	for _, kind := range loadKinds {
		for _, p := range peers {
			s.maxLoad(ctx, p, kind, s.cfg.Warmup)
		}
	}
	for run := range s.cfg.Runs {
		for _, kind := range loadKinds {
			for _, p := range peers {
				r, err := s.maxLoad(ctx, p, kind, s.cfg.Duration)
				if err != nil {
					return err
				}
				s.logf("sessions %s %s run %d: %.0f req/s, cpu %.0f µs/req, tool %.0f µs/req, %d Set-Cookie, %d failed",
					p.name, kind, run+1, r.rate, r.cpu, r.tool, r.setCookies, r.failed)
				results[p.name+"/"+kind] = append(results[p.name+"/"+kind], r)
			}
		}
	}
	for _, kind := range loadKinds {
		for _, p := range peers {
			s.reportLoad(p, kind, results[p.name+"/"+kind])
		}
		if len(peers) == 2 {
			s.reportRatios(kind, peers[1].name, results["foyer/"+kind], results[peers[1].name+"/"+kind])
		}
	}
	return nil
}

// maxLoad runs Conns connections in a closed loop against p for d, each
// request with the next of p's sessions, and reads p's CPU time around it.
func (s *suite) maxLoad(ctx context.Context, p *peer, kind string, d time.Duration) (loadResult, error) {
	url := p.url + "/bench"
	if kind == "forward auth" {
		url = p.url + p.paths.Verify
	}
	var next, setCookies atomic.Int64
	do := func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Cookie", p.sessions[int(next.Add(1)-1)%len(p.sessions)])
		resp, err := s.transport.RoundTrip(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if len(resp.Header.Values("Set-Cookie")) > 0 {
			setCookies.Add(1)
		}
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("GET %s: status %d", strings.TrimPrefix(url, p.url), resp.StatusCode)
		}
		return nil
	}
	meter, err := newCPUMeter(p.proc.PID(), 0)
	if err != nil {
		return loadResult{}, err
	}
	res := ClosedLoop{VUs: s.cfg.Conns, Duration: d}.Run(ctx, do)
	cpu, err := meter.since()
	if err != nil {
		return loadResult{}, err
	}
	if res.OK == 0 {
		return loadResult{}, fmt.Errorf("%s %s: no request succeeded: %w", p.name, kind, res.FirstErr)
	}
	n := float64(res.OK)
	return loadResult{rate: res.Throughput(), cpu: us(cpu[0]) / n, tool: us(cpu[1]) / n,
		setCookies: setCookies.Load(), failed: res.Failed}, nil
}

// reportLoad adds the medians of one peer's runs of one kind.
func (s *suite) reportLoad(p *peer, kind string, runs []loadResult) {
	var rate, cpu, tool []float64
	var setCookies int64
	var failed int
	for _, r := range runs {
		rate, cpu, tool = append(rate, r.rate), append(cpu, r.cpu), append(tool, r.tool)
		setCookies += r.setCookies
		failed += r.failed
	}
	what := fmt.Sprintf("%s, %d sessions, %d conns", kind, s.cfg.Sessions, s.cfg.Conns)
	s.report.Add("sessions", p.name, what+": throughput", Median(rate), "req/s", "")
	s.report.Add("sessions", p.name, what+": server CPU per request", Median(cpu), "µs", "")
	s.report.Add("sessions", p.name, what+": load tool CPU per request", Median(tool), "µs", "")
	if kind == "forward auth" {
		s.report.Add("sessions", p.name, what+": answers with Set-Cookie (all runs)", float64(setCookies), "", "")
		if p.name == "foyer" {
			s.facts["verify set-cookies"] = float64(setCookies)
		}
	}
	if failed > 0 {
		s.report.Add("sessions", p.name, what+": failed requests (all runs)", float64(failed), "", "0")
	}
}

// reportRatios adds foyer ÷ other for CPU per request and throughput: the
// median of the ratios of runs taken one after the other.
func (s *suite) reportRatios(kind, other string, foyer, peer []loadResult) {
	var cpu, rate []float64
	for i := range min(len(foyer), len(peer)) {
		if peer[i].cpu > 0 && peer[i].rate > 0 {
			cpu = append(cpu, foyer[i].cpu/peer[i].cpu)
			rate = append(rate, foyer[i].rate/peer[i].rate)
		}
	}
	if len(cpu) == 0 {
		return
	}
	kase := "foyer ÷ " + other
	s.logf("sessions %s: per-run ratios foyer ÷ %s: CPU %s, throughput %s", kind, other, ratios(cpu), ratios(rate))
	s.report.Add("sessions", kase, kind+": server CPU per request", Median(cpu), "×", "≤ 0.5×")
	s.report.Add("sessions", kase, kind+": throughput", Median(rate), "×", "≥ 1.6×")
	s.facts[kind+"/cpu ratio"], s.facts[kind+"/rate ratio"] = Median(cpu), Median(rate)
}

// ratios formats xs as "0.91 0.95 0.93".
func ratios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}
