package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// readyTimeout bounds the wait for a started program to answer.
const readyTimeout = 20 * time.Second

// stack is a mockidp and an rp, each its own process on a free loopback
// port, the rp using the mock as its provider with the demo client.
type stack struct {
	mock, rp       *process
	mockURL, rpURL string
}

// stackOptions vary the stack per scenario.
type stackOptions struct {
	alg          string // mockidp --alg
	upstream     string // rp --upstream, if any
	sessionStore string // rp --session-store, if any
}

// startStack starts mockidp (--login auto) and then rp, and waits until both
// answer /healthz.
func (s *suite) startStack(ctx context.Context, o stackOptions) (*stack, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	mockAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	st := &stack{mockURL: "http://" + mockAddr}
	st.mock, err = startProcess("mockidp", s.tmp, s.cfg.Binaries.MockIDP,
		"--addr", mockAddr, "--login", "auto", "--alg", o.alg)
	if err != nil {
		return nil, err
	}
	if _, err := st.mock.WaitReady(ctx, st.mockURL+"/healthz", 5*time.Millisecond); err != nil {
		st.stop()
		return nil, err
	}
	rpAddr, err := freeAddr()
	if err != nil {
		st.stop()
		return nil, err
	}
	st.rpURL = "http://" + rpAddr
	args := []string{"--addr", rpAddr, "--issuer", st.mockURL,
		"--client-id", "demo", "--client-secret", "demo-secret", "--cookie-secret", randomSecret()}
	if o.upstream != "" {
		args = append(args, "--upstream", o.upstream)
	}
	if o.sessionStore != "" {
		args = append(args, "--session-store", o.sessionStore)
	}
	st.rp, err = startProcess("rp", s.tmp, s.cfg.Binaries.RP, args...)
	if err != nil {
		st.stop()
		return nil, err
	}
	if _, err := st.rp.WaitReady(ctx, st.rpURL+"/healthz", 5*time.Millisecond); err != nil {
		st.stop()
		return nil, err
	}
	if err := waitDiscovered(ctx, st.rpURL+"/readyz"); err != nil {
		st.stop()
		return nil, fmt.Errorf("rp did not discover mockidp: %w%s", err, st.rp.tail())
	}
	return st, nil
}

// waitDiscovered polls rp's readiness URL while it answers 503 (provider
// discovery still running). Any other answer, a 404 from an rp without
// that route included, ends the wait.
func waitDiscovered(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// signer returns a Signer for this stack's rp, expecting the mock's first
// default user.
func (s *suite) signer(st *stack) *Signer {
	return &Signer{RP: st.rpURL, WantSub: "alice", Transport: s.transport}
}

// stop stops whatever of the stack is running.
func (st *stack) stop() {
	for _, p := range []*process{st.rp, st.mock} {
		if p != nil {
			p.Stop()
		}
	}
}

// cpuMeter reads the CPU time of a set of processes (pid 0: this tool).
type cpuMeter struct {
	pids   []int
	before []time.Duration
}

// newCPUMeter takes the first reading.
func newCPUMeter(pids ...int) (*cpuMeter, error) {
	m := &cpuMeter{pids: pids}
	var err error
	m.before, err = m.read()
	return m, err
}

// read returns the current CPU time of each process.
func (m *cpuMeter) read() ([]time.Duration, error) {
	out := make([]time.Duration, len(m.pids))
	for i, pid := range m.pids {
		t, err := CPUTime(pid)
		if err != nil {
			return nil, fmt.Errorf("pid %d: %w", pid, err)
		}
		out[i] = t
	}
	return out, nil
}

// since returns the CPU time each process used since the first reading.
func (m *cpuMeter) since() ([]time.Duration, error) {
	now, err := m.read()
	if err != nil {
		return nil, err
	}
	for i := range now {
		now[i] -= m.before[i]
	}
	return now, nil
}
