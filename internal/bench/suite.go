package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// Scenarios lists the scenario names in the order `all` runs them.
var Scenarios = []string{"start", "signin", "verify", "proxy", "sessions", "idle", "memory"}

// Default lengths of the warm-up and of each measured run.
const (
	DefaultWarmup   = time.Second
	DefaultDuration = 2 * time.Second
)

// Config says what to measure and how long; zero fields take the defaults
// noted on each.
type Config struct {
	// Binaries are the programs to measure; empty paths are looked up in
	// $FOYER_BIN_DIR or bin/, or built (see [stack.Builder]).
	Binaries Binaries
	// Scenarios to run, from [Scenarios]; empty or "all" means every one.
	Scenarios []string
	// Starts is how many times `start` launches mockidp. Default 20.
	Starts int
	// Algs are the signing algorithms `signin` measures. Default RS256, ES256, EdDSA.
	Algs []string
	// VUs is the number of virtual users signing in at once. Default 4 × GOMAXPROCS.
	VUs int
	// Warmup precedes the measured runs of each case. Default [DefaultWarmup].
	Warmup time.Duration
	// Duration is the length of each measured run. Default [DefaultDuration].
	Duration time.Duration
	// Runs is the number of measured runs per case; figures are their medians. Default 3.
	Runs int
	// Rate is the open-loop request rate of `verify` and `proxy`, per second. Default 1000.
	Rate float64
	// Users is the number of signed-in users `memory` creates. Default 10000.
	Users int
	// Image is the mockidp container image whose size `start` reports. Default foyer/mockidp:latest.
	Image string
	// RPImage is the rp container image whose size `start` reports. Default foyer/rp:latest.
	RPImage string
	// Sessions is the number of distinct signed-in sessions `sessions`
	// spreads its requests over. Default 10000 (rp caches 2,048 decoded).
	Sessions int
	// Conns is the number of connections of `sessions`' closed loop. Default 32.
	Conns int
	// OAuth2Proxy is an oauth2-proxy binary that `sessions` measures beside
	// foyer; empty: foyer alone. See [PeerEnv].
	OAuth2Proxy string
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults(gomaxprocs int) Config {
	if len(c.Scenarios) == 0 || slices.Contains(c.Scenarios, "all") {
		c.Scenarios = Scenarios
	}
	setDefault(&c.Starts, 20)
	setDefault(&c.VUs, 4*gomaxprocs)
	setDefault(&c.Warmup, DefaultWarmup)
	setDefault(&c.Duration, DefaultDuration)
	setDefault(&c.Runs, 3)
	setDefault(&c.Rate, 1000)
	setDefault(&c.Users, 10000)
	setDefault(&c.Image, "foyer/mockidp:latest")
	setDefault(&c.RPImage, "foyer/rp:latest")
	setDefault(&c.Sessions, 10000)
	setDefault(&c.Conns, 32)
	if len(c.Algs) == 0 {
		c.Algs = []string{"RS256", "ES256", "EdDSA"}
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// setDefault sets *p to def when it is the zero value.
func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	for _, s := range c.Scenarios {
		if s != "all" && !slices.Contains(Scenarios, s) {
			errs = append(errs, fmt.Errorf("unknown scenario %q (want all or %s)", s, strings.Join(Scenarios, ", ")))
		}
	}
	for _, a := range c.Algs {
		if !slices.Contains([]string{"RS256", "PS256", "ES256", "EdDSA"}, a) {
			errs = append(errs, fmt.Errorf("unknown alg %q", a))
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"starts", int64(c.Starts)}, {"vus", int64(c.VUs)}, {"runs", int64(c.Runs)}, {"users", int64(c.Users)},
		{"sessions", int64(c.Sessions)}, {"conns", int64(c.Conns)},
		{"warmup", int64(c.Warmup)}, {"duration", int64(c.Duration)}, {"rate", int64(c.Rate)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", f.name))
		}
	}
	return errors.Join(errs...)
}

// suite carries one benchmark run's state.
type suite struct {
	cfg       Config
	tmp       string
	bins      stack.Binaries
	report    *Report
	transport *http.Transport
	facts     facts // what the verdicts are taken from
}

// Run measures the configured scenarios and returns the report. A scenario
// that cannot run on this machine adds "n/a" rows with the reason; one that
// fails adds an "error" row and the run goes on with the next.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := ThisMachine()
	cfg = cfg.withDefaults(m.GOMAXPROCS)
	tmp, err := os.MkdirTemp("", "foyer-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bins, err := cfg.Binaries.locate(ctx, tmp)
	if err != nil {
		return nil, err
	}
	if len(bins.Built) > 0 {
		fmt.Fprintf(cfg.Log, "built %s into %s (bin/ has none, or older than the sources)\n", strings.Join(bins.Built, ", "), tmp)
	}
	shown := cfg.Binaries
	for _, name := range bins.Built {
		label := "fresh build of ./cmd/" + name
		if name == "rp" {
			shown.RP = label
		} else {
			shown.MockIDP = label
		}
	}
	s := &suite{
		cfg:  cfg,
		tmp:  tmp,
		bins: bins,
		report: &Report{
			Machine:  m,
			Date:     time.Now().UTC(),
			Method:   fmt.Sprintf("warm-up %v + %d runs × %v per case, medians; open loop at %g req/s; %d VUs", cfg.Warmup, cfg.Runs, cfg.Duration, cfg.Rate, cfg.VUs),
			Commit:   gitDescribe(ctx),
			Binaries: shown,
		},
		transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute},
		facts:     facts{},
	}
	defer s.transport.CloseIdleConnections()
	steps := map[string]func(context.Context) error{
		"start":    s.start,
		"signin":   s.signin,
		"verify":   func(ctx context.Context) error { return s.requests(ctx, "verify") },
		"proxy":    func(ctx context.Context) error { return s.requests(ctx, "proxy") },
		"sessions": s.sessions,
		"idle":     s.idle,
		"memory":   s.memory,
	}
	for _, name := range Scenarios {
		if !slices.Contains(cfg.Scenarios, name) {
			continue
		}
		if ctx.Err() != nil {
			return s.report, ctx.Err()
		}
		fmt.Fprintf(cfg.Log, "== %s\n", name)
		if err := steps[name](ctx); err != nil {
			fmt.Fprintf(cfg.Log, "%s failed: %v\n", name, err)
			s.report.AddNA(name, "", "error", firstLine(err.Error()))
		}
	}
	s.report.Verdicts = verdicts(s.facts)
	return s.report, nil
}

// Binaries are the paths of the programs under test.
type Binaries struct {
	MockIDP string `json:"mockidp"`
	RP      string `json:"rp"`
}

// locate returns b's programs, each empty path taken from $FOYER_BIN_DIR,
// else an up-to-date bin/, else a fresh build into tmp (see [stack.Builder]).
func (b Binaries) locate(ctx context.Context, tmp string) (stack.Binaries, error) {
	given := map[string]string{"mockidp": b.MockIDP, "rp": b.RP}
	var missing []string
	for name, path := range given {
		if path == "" {
			missing = append(missing, name)
		}
	}
	bins := stack.Binaries{Paths: given}
	if len(missing) == 0 {
		return bins, nil
	}
	found, err := (&stack.Builder{Dir: tmp, Prebuilt: "bin", Names: missing}).Build(ctx)
	for _, name := range missing {
		bins.Paths[name] = found.Path(name)
	}
	bins.Built = found.Built
	return bins, err
}

// errNA marks a measurement that cannot be taken on this machine; its text
// is shown as "n/a (reason)".
var errNA = errors.New("n/a")

// maxBody caps the bytes read from any response.
const maxBody = 1 << 20

// logf writes a progress line.
func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, format+"\n", args...)
}

// na records that a figure cannot be measured, logging the reason.
func (s *suite) na(scenario, kase, metric string, err error) {
	reason := strings.TrimPrefix(firstLine(err.Error()), errNA.Error()+": ")
	s.logf("%s %s: n/a: %s", scenario, kase, reason)
	s.report.AddNA(scenario, kase, metric, reason)
}

// firstLine returns s up to its first newline.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// gitDescribe names the checked-out commit ("abc1234", "-dirty" when the
// work tree has changes), or "" outside a git work tree.
func gitDescribe(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// randomHex returns n random bytes in hex, e.g. a cookie secret.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
