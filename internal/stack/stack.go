package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"
)

// Config says how to start a stack: mockidp, then rp using it as its
// provider, and optionally whoami as rp's upstream app. Zero fields take the
// defaults noted on each.
type Config struct {
	// Binaries holds the programs (see [Builder]).
	Binaries Binaries
	// MockIDPAddr and RPAddr are the loopback addresses to listen on;
	// default a free port each (see [Addr]).
	MockIDPAddr, RPAddr string
	// MockIDPArgs are added to mockidp's --addr.
	MockIDPArgs []string
	// ClientID and ClientSecret are rp's client at the mock. Default the
	// mock's confidential demo client, "demo" / "demo-secret".
	ClientID, ClientSecret string
	// CookieSecret is rp's cookie secret. Default 32 random bytes in hex.
	CookieSecret string
	// RPArgs are added to rp's --addr, --issuer and --client-id; the
	// secrets go through the environment, as they should in production.
	RPArgs []string
	// RPEnv is added to rp's environment.
	RPEnv []string
	// Whoami starts examples/whoami and makes it rp's --upstream.
	Whoami bool
	// Output, if set, returns a writer that also receives the output of the
	// program name ("mockidp", "rp", "whoami").
	Output func(name string) io.Writer
	// ReadyInterval is how often readiness is polled. Default 10 ms.
	ReadyInterval time.Duration
}

// Stack is a running mockidp and rp (and whoami), each its own process.
type Stack struct {
	// MockIDP, RP and Whoami are the processes; Whoami is nil unless asked.
	MockIDP, RP, Whoami *Process
	// Issuer is the mock's URL, RPURL rp's and WhoamiURL whoami's.
	Issuer, RPURL, WhoamiURL string
}

// StartStack starts cfg's stack and waits until mockidp answers /healthz
// and rp /readyz (its provider discovered). On error, whatever was started
// is stopped again.
func StartStack(ctx context.Context, cfg Config) (_ *Stack, err error) {
	st := &Stack{}
	defer func() {
		if err != nil {
			st.Kill()
		}
	}()
	for _, a := range []*string{&cfg.MockIDPAddr, &cfg.RPAddr} {
		if *a == "" {
			if *a, err = Addr(); err != nil {
				return nil, err
			}
		}
	}
	setDefault(&cfg.ClientID, "demo")
	setDefault(&cfg.ClientSecret, "demo-secret")
	setDefault(&cfg.CookieSecret, randomHex(32))
	start := func(name string, args, env []string, ready string) (*Process, error) {
		var out io.Writer
		if cfg.Output != nil {
			out = cfg.Output(name)
		}
		return Start(ctx, ProcessConfig{Name: name, Path: cfg.Binaries.Path(name), Args: args, Env: env,
			ReadyURL: ready, ReadyInterval: cfg.ReadyInterval, Output: out})
	}
	rpArgs := []string{"--addr", cfg.RPAddr, "--client-id", cfg.ClientID}
	if cfg.Whoami {
		addr, err := Addr()
		if err != nil {
			return nil, err
		}
		st.WhoamiURL = "http://" + addr
		// whoami takes its address from WHOAMI_ADDR only (it has no flags).
		if st.Whoami, err = start("whoami", nil, []string{"WHOAMI_ADDR=" + addr}, st.WhoamiURL+"/healthz"); err != nil {
			return nil, err
		}
		rpArgs = append(rpArgs, "--upstream", st.WhoamiURL)
	}
	st.Issuer, st.RPURL = "http://"+cfg.MockIDPAddr, "http://"+cfg.RPAddr
	st.MockIDP, err = start("mockidp", append([]string{"--addr", cfg.MockIDPAddr}, cfg.MockIDPArgs...), nil, st.Issuer+"/healthz")
	if err != nil {
		return nil, err
	}
	rpArgs = append(append(rpArgs, "--issuer", st.Issuer), cfg.RPArgs...)
	env := append([]string{"RP_CLIENT_SECRET=" + cfg.ClientSecret, "RP_COOKIE_SECRET=" + cfg.CookieSecret}, cfg.RPEnv...)
	if st.RP, err = start("rp", rpArgs, env, st.RPURL+"/readyz"); err != nil {
		return nil, err
	}
	return st, nil
}

// StartStackT is [StartStack] for a test: it fails t on error, and kills
// what still runs when t ends (logging the programs' output if t failed).
func StartStackT(t testing.TB, cfg Config) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	st, err := StartStack(ctx, cfg)
	if err != nil {
		t.Fatalf("starting the stack: %v", err)
	}
	t.Cleanup(func() {
		st.Kill()
		if t.Failed() {
			for _, p := range st.processes() {
				t.Logf("output of %s:\n%s", p.cfg.Name, p.Output())
			}
		}
	})
	return st
}

// processes returns the started processes, rp first.
func (st *Stack) processes() []*Process {
	var ps []*Process
	for _, p := range []*Process{st.RP, st.MockIDP, st.Whoami} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// Stop sends SIGTERM to rp, then mockidp, then whoami, waiting up to grace
// for each; a hang or a non-zero exit is an error.
func (st *Stack) Stop(grace time.Duration) error {
	var errs []error
	for _, p := range st.processes() {
		errs = append(errs, p.Terminate(grace))
	}
	return errors.Join(errs...)
}

// Kill ends every process of the stack at once.
func (st *Stack) Kill() {
	for _, p := range st.processes() {
		p.Kill()
	}
}

// setDefault sets *p to def when it is empty.
func setDefault(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

// randomHex returns n random bytes in hex, e.g. a cookie secret.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
