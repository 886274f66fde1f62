package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Run starts the target, loads it for c.Duration and returns the report. An
// error means the soak could not run (the target did not start); a soak that
// ran and failed returns a report whose Passed is false.
func Run(ctx context.Context, c Config) (*Report, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	var tg target
	if c.Mode == ModeInProcess {
		tg, err = startInProcess(ctx, c)
	} else {
		tg, err = startProcesses(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	r := &Report{Mode: c.Mode, Duration: c.Duration.String(), Users: c.Users, Workers: c.Workers, SessionStore: c.SessionStore,
		ByKind: map[string]int64{}, Status: map[int]int64{}, MemKind: tg.memKind()}
	t := &tally{r: r}

	baseMem, baseG, err := tg.sample(ctx)
	if err != nil {
		_ = tg.stop()
		return nil, fmt.Errorf("first sample: %w", err)
	}
	r.GoroutinesBaseline, r.MemStart = baseG, baseMem
	base, _ := url.Parse(tg.base())
	tr := &http.Transport{MaxIdleConnsPerHost: 2 * c.Workers, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()

	lctx, stopLoad := context.WithTimeout(ctx, c.Duration)
	defer stopLoad()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.Workers {
		wg.Go(func() { worker(lctx, c, w, base, tr, t) })
	}
	samples := sampleUntil(lctx, c, tg, t, start)
	wg.Wait()
	r.Samples = samples

	// Back to baseline: no client connections left, then wait for the count.
	tr.CloseIdleConnections()
	slack := c.GoroutineSlack
	settle := time.Now()
	r.GoroutinesEnd = waitGoroutines(ctx, tg, baseG+slack, c.SettleTimeout)
	r.GoroutinesSettleSeconds = time.Since(settle).Seconds()
	endMem, _, _ := tg.sample(ctx)
	r.MemEnd = endMem
	r.GoroutineKind = tg.goroutineKind()
	r.Refreshes = tg.refreshes()
	shutdown := tg.stop()

	for _, s := range samples {
		r.MemMax = max(r.MemMax, s.Mem)
		r.GoroutinesPeak = max(r.GoroutinesPeak, s.Goroutines)
	}
	r.Failures = t.failures
	r.Checks = checks(c, r, shutdown)
	return r, nil
}

// worker drives users w, w+Workers, w+2·Workers, ... in turn until ctx ends.
func worker(ctx context.Context, c Config, w int, base *url.URL, tr http.RoundTripper, t *tally) {
	rng := rand.New(rand.NewPCG(c.Seed, uint64(w)))
	var users []*vu
	for i := w; i < c.Users; i += c.Workers {
		users = append(users, newVU(subject(i), base, tr, t))
	}
	stranger := &http.Client{Transport: tr, Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 0; ctx.Err() == nil; i++ {
		v := users[i%len(users)]
		switch {
		case rng.Float64() < c.Hostile:
			v.hostile(rng, stranger)
		case !v.signedIn:
			landing, ok := v.signIn("/?from=" + v.sub)
			if ok && landing != "/?from="+v.sub {
				t.fail(failUnexpected, "sign-in of %s landed at %q", v.sub, landing)
			}
		default:
			v.browse(rng)
			if v.signedIn && rng.Float64() < c.SignOut {
				v.signOut()
			}
		}
	}
}

// sampleUntil samples the target every c.SampleEvery until ctx ends.
func sampleUntil(ctx context.Context, c Config, tg target, t *tally, start time.Time) []Sample {
	var out []Sample
	tick := time.NewTicker(c.SampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
		}
		mem, g, err := tg.sample(context.Background())
		if err != nil {
			t.fail(failUnexpected, "sample: %v", err)
			continue
		}
		s := Sample{Seconds: time.Since(start).Seconds(), Mem: mem, Goroutines: g, Requests: t.requests()}
		out = append(out, s)
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "%5.0fs  requests %8d  mem %6.1f MiB  goroutines %d\n",
				s.Seconds, s.Requests, float64(mem)/(1<<20), g)
		}
	}
}

// waitGoroutines waits up to timeout for the count to reach at most limit and
// returns the last count.
func waitGoroutines(ctx context.Context, tg target, limit int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		_, g, err := tg.sample(ctx)
		if (err == nil && g <= limit) || time.Now().After(deadline) || ctx.Err() != nil {
			return g
		}
		time.Sleep(200 * time.Millisecond) // polling a process's counters: nothing to wait on
	}
}

// checks turns the report into the pass criteria.
func checks(c Config, r *Report, shutdown error) []Check {
	zero := func(name string, n int64) Check {
		return Check{Name: name, Passed: n == 0, Detail: fmt.Sprintf("%d", n)}
	}
	out := []Check{
		zero("no 5xx", r.ServerErrors),
		zero("no wrong-user answers", r.WrongUser),
		zero("no one let in", r.LetIn),
		zero("no unexpected answers", r.Unexpected+r.TransportErrors),
		{Name: "load happened", Passed: r.SignIns > 0 && r.Requests > 0,
			Detail: fmt.Sprintf("%d requests, %d sign-ins", r.Requests, r.SignIns)},
		memoryFlat(c, r.Samples),
		{Name: "goroutines back to baseline", Passed: r.GoroutinesEnd <= r.GoroutinesBaseline+c.GoroutineSlack,
			Detail: fmt.Sprintf("baseline %d, end %d (slack %d), %.0f s after the load stopped",
				r.GoroutinesBaseline, r.GoroutinesEnd, c.GoroutineSlack, r.GoroutinesSettleSeconds)},
	}
	sd := Check{Name: "clean shutdown", Passed: shutdown == nil, Detail: "SIGTERM: exit 0"}
	if c.Mode == ModeInProcess {
		sd.Detail = "http.Server.Shutdown returned nil"
	}
	if shutdown != nil {
		sd.Detail = shutdown.Error()
	}
	return append(out, sd)
}

// memoryFlat compares the median of the first and second halves of the
// samples taken after the warm-up: the second may exceed the first by at most
// MaxGrowth (a fraction) or 8 MiB, whichever is larger.
func memoryFlat(c Config, samples []Sample) Check {
	var after []int64
	for _, s := range samples {
		if s.Seconds >= c.Warmup.Seconds() {
			after = append(after, s.Mem)
		}
	}
	if len(after) < 4 {
		return Check{Name: "memory flat after warm-up", Passed: false,
			Detail: fmt.Sprintf("only %d samples after the %v warm-up: run longer or sample more often", len(after), c.Warmup)}
	}
	first, second := median(after[:len(after)/2]), median(after[len(after)/2:])
	allowed := max(int64(float64(first)*c.MaxGrowth), 8<<20)
	return Check{Name: "memory flat after warm-up", Passed: second-first <= allowed,
		Detail: fmt.Sprintf("median %.1f MiB then %.1f MiB (growth %+.1f MiB, allowed %.1f MiB)",
			mb(first), mb(second), mb(second-first), mb(allowed))}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func median(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// ErrFailed reports a soak that ran but failed one of its checks; cmd/foyer-soak
// returns it (and exits 1) when [Report.Passed] is false.
var ErrFailed = errors.New("soak failed")
