package soak

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Mode says where rp and mockidp run during a soak.
type Mode string

const (
	// ModeProcess runs the rp and mockidp binaries as processes; memory is
	// their resident set size (RSS) and goroutines come from rp's /metrics
	// (go_goroutines) when it serves them, else the thread count.
	ModeProcess Mode = "process"
	// ModeInProcess runs both in this process, on loopback listeners; memory
	// is the Go heap in use and goroutines are runtime.NumGoroutine, which
	// then include the soak's own clients (stopped before the final count).
	ModeInProcess Mode = "inprocess"
)

// Defaults of [Config].
const (
	DefaultDuration       = 10 * time.Minute
	DefaultUsers          = 2000
	DefaultWorkers        = 16
	DefaultHostile        = 0.05
	DefaultSignOut        = 0.05
	DefaultSampleEvery    = 2 * time.Second
	DefaultAccessTokenTTL = 75 * time.Second // rp refreshes 60 s before expiry: every 15 s
)

// Config configures a soak. The zero value of every field but Mode (and the
// binaries, which are built when empty) is replaced by its default.
type Config struct {
	// Mode is ModeProcess or ModeInProcess. Empty: ModeProcess.
	Mode Mode
	// RPBinary and MockIDPBinary are the programs run in ModeProcess. Empty:
	// both are built from this module with `go build` into a temporary directory.
	RPBinary, MockIDPBinary string
	// SessionStore is passed to rp as --session-store (e.g. "redis://127.0.0.1:6379/0"),
	// ModeProcess only. Empty: rp's default, cookie sessions.
	SessionStore string
	// Duration is how long the load runs. Zero: DefaultDuration.
	Duration time.Duration
	// Warmup is the start of the run whose memory samples do not count for
	// flatness. Zero: a quarter of Duration.
	Warmup time.Duration
	// Users is the number of simulated people, each with a cookie jar and a
	// user at the mock provider. Zero: DefaultUsers.
	Users int
	// Workers is how many users act at the same time. Zero: DefaultWorkers.
	Workers int
	// Hostile is the fraction of steps that are hostile requests, in [0, 1).
	// Zero: DefaultHostile; negative: none.
	Hostile float64
	// SignOut is the probability that a signed-in user signs out after a
	// visit. Zero: DefaultSignOut.
	SignOut float64
	// SampleEvery is the memory and goroutine sampling period. Zero: DefaultSampleEvery.
	SampleEvery time.Duration
	// AccessTokenTTL is the mock's access token lifetime. Zero: DefaultAccessTokenTTL.
	AccessTokenTTL time.Duration
	// MaxGrowth is how much memory may grow after the warm-up, as a fraction of
	// the post-warm-up level, before the soak fails. Zero: 0.25.
	MaxGrowth float64
	// GoroutineSlack is how many goroutines above the baseline are still "back
	// to baseline". Zero: 4.
	GoroutineSlack int
	// SettleTimeout is how long the soak waits after the load for goroutines
	// to come back to baseline. In ModeProcess, rp keeps up to 8 idle
	// keep-alive connections to the provider (two goroutines each) for 90 s,
	// which the soak cannot close, so it waits them out. In ModeInProcess the
	// soak closes them itself. Zero: 2 min in ModeProcess, 30 s in ModeInProcess.
	SettleTimeout time.Duration
	// Seed makes the random choices repeatable. Zero: 1.
	Seed uint64
	// Progress, if not nil, receives one line per sample.
	Progress io.Writer
}

// withDefaults returns c with defaults applied, or every problem at once.
func (c Config) withDefaults() (Config, error) {
	if c.Mode == "" {
		c.Mode = ModeProcess
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Duration, DefaultDuration)
	def(&c.Warmup, c.Duration/4)
	def(&c.SampleEvery, DefaultSampleEvery)
	def(&c.AccessTokenTTL, DefaultAccessTokenTTL)
	if c.Users == 0 {
		c.Users = DefaultUsers
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Hostile == 0 {
		c.Hostile = DefaultHostile
	}
	if c.Hostile < 0 {
		c.Hostile = 0
	}
	if c.SignOut == 0 {
		c.SignOut = DefaultSignOut
	}
	if c.MaxGrowth == 0 {
		c.MaxGrowth = 0.25
	}
	if c.GoroutineSlack == 0 {
		c.GoroutineSlack = 4
	}
	if c.SettleTimeout == 0 {
		c.SettleTimeout = 2 * time.Minute
		if c.Mode == ModeInProcess {
			c.SettleTimeout = 30 * time.Second
		}
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	var errs []error
	if c.Mode != ModeProcess && c.Mode != ModeInProcess {
		errs = append(errs, fmt.Errorf("mode %q: want %q or %q", c.Mode, ModeProcess, ModeInProcess))
	}
	if c.Duration < 0 || c.Warmup < 0 || c.Warmup >= c.Duration {
		errs = append(errs, fmt.Errorf("duration %v, warm-up %v: want 0 <= warm-up < duration", c.Duration, c.Warmup))
	}
	if c.SessionStore != "" && c.Mode != ModeProcess {
		errs = append(errs, fmt.Errorf("session store %q: only in mode %q", c.SessionStore, ModeProcess))
	}
	if c.Users < 1 || c.Workers < 1 {
		errs = append(errs, fmt.Errorf("users %d, workers %d: want at least 1 each", c.Users, c.Workers))
	}
	if c.Workers > c.Users {
		c.Workers = c.Users
	}
	if c.Hostile >= 1 || c.SignOut < 0 || c.SignOut > 1 {
		errs = append(errs, fmt.Errorf("hostile %v, sign-out %v: want fractions below 1", c.Hostile, c.SignOut))
	}
	if c.SampleEvery < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("sample period %v: want at least 100ms", c.SampleEvery))
	}
	if c.AccessTokenTTL <= time.Minute {
		errs = append(errs, fmt.Errorf("access token lifetime %v: want more than rp's 1 min refresh margin", c.AccessTokenTTL))
	}
	return c, errors.Join(errs...)
}
