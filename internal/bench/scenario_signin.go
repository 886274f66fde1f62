package bench

import (
	"context"
	"fmt"
	"time"
)

// sigsPerSignIn is the number of RSA signatures one RS256 sign-in costs the
// provider (the ID token and the JWT access token): the basis of the bound.
const sigsPerSignIn = 2

// signinResult holds the medians of one algorithm's measured runs.
type signinResult struct {
	rate, p50, p99         float64 // sign-ins/s; ms
	rpCPU, mockCPU, ownCPU float64 // ms of CPU per sign-in
	failed                 int
}

// signin measures complete headless sign-ins per second for each algorithm
// and compares them with the bound that RS256 signing sets.
func (s *suite) signin(ctx context.Context) error {
	cost, err := rsaSignCost(100, 300*time.Millisecond)
	if err != nil {
		return err
	}
	cores := s.report.Machine.GOMAXPROCS
	bound := signInBound(cores, sigsPerSignIn, cost)
	s.logf("signin: RSA-2048 signature %v, RS256 bound %.0f sign-ins/s", cost, bound)
	s.report.Add("signin", "", "RSA-2048 PKCS1v15 SHA-256 signature (in-process)", us(cost), "µs", "")
	s.report.Add("signin", "", fmt.Sprintf("RS256 bound = %d cores / (%d × signature)", cores, sigsPerSignIn), bound, "/s", "")
	for _, alg := range s.cfg.Algs {
		r, err := s.signinAlg(ctx, alg)
		if err != nil {
			s.logf("signin %s: %v", alg, err)
			s.report.AddNA("signin", alg, "error", firstLine(err.Error()))
			continue
		}
		goal := ""
		if alg == "RS256" {
			goal = "≥ 70 %"
		}
		s.report.Add("signin", alg, fmt.Sprintf("sign-ins/s (%d VUs)", s.cfg.VUs), r.rate, "/s", "")
		s.report.Add("signin", alg, "% of RS256 bound", 100*r.rate/bound, "%", goal)
		s.report.Add("signin", alg, "sign-in latency p50", r.p50, "ms", "")
		s.report.Add("signin", alg, "sign-in latency p99", r.p99, "ms", "")
		s.report.Add("signin", alg, "CPU per sign-in: rp", r.rpCPU, "ms", "")
		s.facts["signin/"+alg+" rp cpu"] = r.rpCPU
		s.report.Add("signin", alg, "CPU per sign-in: mockidp", r.mockCPU, "ms", "")
		s.report.Add("signin", alg, "CPU per sign-in: load tool", r.ownCPU, "ms", "")
		if servers := r.rpCPU + r.mockCPU; servers > 0 {
			s.report.Add("signin", alg, "capacity if rp+mockidp had all cores", float64(cores)*1000/servers, "/s", "")
		}
		if r.failed > 0 {
			s.report.Add("signin", alg, "failed sign-ins (all runs)", float64(r.failed), "", "0")
		}
	}
	return nil
}

// signinAlg starts a stack signing with alg and runs the closed loop of
// sign-ins: one checked sign-in, a warm-up, then the measured runs.
func (s *suite) signinAlg(ctx context.Context, alg string) (signinResult, error) {
	st, err := s.startStack(ctx, stackOptions{alg: alg})
	if err != nil {
		return signinResult{}, err
	}
	defer stopStack(st)
	signer := s.signer(st)
	if _, err := signer.SignIn(ctx); err != nil {
		return signinResult{}, err
	}
	do := func(ctx context.Context, _ int) error {
		_, err := signer.SignIn(ctx)
		return err
	}
	ClosedLoop{VUs: s.cfg.VUs, Duration: s.cfg.Warmup}.Run(ctx, do)
	var rate, p50, p99, rpCPU, mockCPU, ownCPU []float64
	var out signinResult
	for run := range s.cfg.Runs {
		meter, err := newCPUMeter(st.RP.PID(), st.MockIDP.PID(), 0)
		if err != nil {
			return out, err
		}
		res := ClosedLoop{VUs: s.cfg.VUs, Duration: s.cfg.Duration}.Run(ctx, do)
		cpu, err := meter.since()
		if err != nil {
			return out, err
		}
		if res.OK == 0 {
			return out, fmt.Errorf("no sign-in succeeded: %w", res.FirstErr)
		}
		if res.Failed > 0 {
			s.logf("signin %s run %d: %d of %d failed, first: %v", alg, run+1, res.Failed, res.Sent, res.FirstErr)
		}
		out.failed += res.Failed
		n := float64(res.OK)
		rate = append(rate, res.Throughput())
		p50 = append(p50, ms(res.Latency.P50))
		p99 = append(p99, ms(res.Latency.P99))
		rpCPU = append(rpCPU, ms(cpu[0])/n)
		mockCPU = append(mockCPU, ms(cpu[1])/n)
		ownCPU = append(ownCPU, ms(cpu[2])/n)
		s.logf("signin %s run %d: %d sign-ins, %.0f/s, p50 %v, p99 %v, cpu rp %v mock %v tool %v",
			alg, run+1, res.OK, res.Throughput(), res.Latency.P50, res.Latency.P99, cpu[0], cpu[1], cpu[2])
	}
	out.rate, out.p50, out.p99 = Median(rate), Median(p50), Median(p99)
	out.rpCPU, out.mockCPU, out.ownCPU = Median(rpCPU), Median(mockCPU), Median(ownCPU)
	return out, nil
}
