package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// memoryWarmup is the number of sign-ins before the "before" readings, so
// that start-up allocations do not count as per-session memory.
const memoryWarmup = 200

// memoryCap bounds the time `memory` spends signing users in per store.
const memoryCap = 45 * time.Second

// memory signs Users users in (EdDSA, the cheapest signatures) and reports
// rp's RSS before and after with the cookie store, and, with a Redis store,
// the Redis memory per session.
func (s *suite) memory(ctx context.Context) error {
	if err := s.memoryStore(ctx, "cookie", nil); err != nil {
		return err
	}
	r, err := startRedis(ctx, s.tmp)
	if err != nil {
		s.na("memory", "redis", "bytes per session", err)
		return nil
	}
	defer r.Stop()
	if err := s.memoryStore(ctx, "redis", r); err != nil {
		s.na("memory", "redis", "bytes per session", fmt.Errorf("%w: %v", errNA, err))
	}
	return nil
}

// memoryStore measures one store; r is nil for the cookie store.
func (s *suite) memoryStore(ctx context.Context, store string, r *redisServer) error {
	opts := stackOptions{alg: "EdDSA"}
	if r != nil {
		opts.sessionStore = r.URL
	}
	st, err := s.startStack(ctx, opts)
	if err != nil {
		if r != nil {
			return fmt.Errorf("rp with --session-store redis:// did not start: %s", refusal(err))
		}
		return err
	}
	defer stopStack(st)
	signer := s.signer(st)
	do := func(ctx context.Context, _ int) error {
		_, err := signer.SignIn(ctx)
		return err
	}
	if res := (ClosedLoop{VUs: s.cfg.VUs, Duration: memoryCap, MaxOps: memoryWarmup}).Run(ctx, do); res.OK == 0 {
		return fmt.Errorf("no sign-in succeeded: %w", res.FirstErr)
	}
	before, err := s.memoryReading(ctx, st, r)
	if err != nil {
		return err
	}
	res := ClosedLoop{VUs: s.cfg.VUs, Duration: memoryCap, MaxOps: s.cfg.Users}.Run(ctx, do)
	if res.OK == 0 {
		return fmt.Errorf("no sign-in succeeded: %w", res.FirstErr)
	}
	after, err := s.memoryReading(ctx, st, r)
	if err != nil {
		return err
	}
	s.logf("memory %s: %d sign-ins (%d failed) in %v; rp RSS %d → %d B; redis %d → %d B, keys %d → %d",
		store, res.OK, res.Failed, res.Elapsed.Round(time.Millisecond), before.rpRSS, after.rpRSS,
		before.redisUsed, after.redisUsed, before.redisKeys, after.redisKeys)
	n := res.OK
	s.report.Add("memory", store, fmt.Sprintf("rp RSS after %d sign-ins", memoryWarmup), mib(before.rpRSS), "MiB", "")
	s.report.Add("memory", store, fmt.Sprintf("rp RSS after %d more signed-in users", n), mib(after.rpRSS), "MiB", "")
	s.report.Add("memory", store, "mockidp RSS after", mib(after.mockRSS), "MiB", "")
	if r != nil {
		s.report.Add("memory", store, fmt.Sprintf("Redis used_memory Δ / %d sessions", n),
			float64(after.redisUsed-before.redisUsed)/float64(n), "B", "")
		s.report.Add("memory", store, "Redis keys Δ per sign-in", float64(after.redisKeys-before.redisKeys)/float64(n), "", "")
	}
	if res.Failed > 0 {
		s.report.Add("memory", store, "failed sign-ins", float64(res.Failed), "", "0")
	}
	return nil
}

// memoryReading is one set of memory figures.
type memoryReading struct {
	rpRSS, mockRSS       int64
	redisUsed, redisKeys int64
}

// memoryReading reads the RSS of rp and mockidp and, if r is set, Redis's
// used memory and key count.
func (s *suite) memoryReading(ctx context.Context, st *stack.Stack, r *redisServer) (memoryReading, error) {
	var m memoryReading
	var err error
	if m.rpRSS, err = RSS(st.RP.PID()); err != nil {
		return m, err
	}
	if m.mockRSS, err = RSS(st.MockIDP.PID()); err != nil {
		return m, err
	}
	if r == nil {
		return m, nil
	}
	if m.redisUsed, err = r.UsedMemory(ctx); err != nil {
		return m, err
	}
	m.redisKeys, err = r.Keys(ctx)
	return m, err
}
