package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StopDeadline is how long a program may take to exit after SIGTERM.
const StopDeadline = time.Second

// readyTimeout bounds the wait for a started program to answer /healthz.
const readyTimeout = 30 * time.Second

// ProcessConfig describes a program to start as a separate process.
type ProcessConfig struct {
	// Name labels the process in logs, e.g. "rp".
	Name string
	// Path is the binary to run.
	Path string
	// Args are its command-line arguments (flags).
	Args []string
	// Env is added to a copy of the test's environment from which every
	// RP_* and MOCKIDP_* variable was removed, so that a developer's shell
	// cannot change what a test starts.
	Env []string
	// ReadyURL is polled until it answers 200, e.g. "http://ADDR/healthz".
	ReadyURL string
}

// Process is a running program started by StartProcess.
type Process struct {
	cfg  ProcessConfig
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// StartProcess starts cfg's program, waits until cfg.ReadyURL answers 200,
// and registers a cleanup that kills it if the test did not stop it. Its
// output is logged when the test fails.
func StartProcess(t testing.TB, cfg ProcessConfig) *Process {
	t.Helper()
	p := &Process{cfg: cfg, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(cfg.Path, cfg.Args...)
	p.cmd.Env = append(cleanEnv(), cfg.Env...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cfg.Name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s %s:\n%s", cfg.Name, strings.Join(cfg.Args, " "), p.Output())
		}
	})
	if err := p.waitReady(); err != nil {
		t.Fatalf("%s did not become ready: %v\noutput:\n%s", cfg.Name, err, p.Output())
	}
	return p
}

// waitReady polls the readiness URL until it answers 200, the process
// exits, or readyTimeout passes.
func (p *Process) waitReady() error {
	if p.cfg.ReadyURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	return Poll(ctx, 20*time.Millisecond, func() error {
		select {
		case <-p.done:
			return Permanent(fmt.Errorf("exited early: %v", p.err))
		default:
		}
		return get200(ctx, p.cfg.ReadyURL)
	})
}

// Stop sends SIGTERM and fails t unless the process exits with status 0
// within StopDeadline.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to %s: %v", p.cfg.Name, err)
	}
	timer := time.NewTimer(StopDeadline)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		t.Fatalf("%s still running %v after SIGTERM", p.cfg.Name, StopDeadline)
	}
	if p.err != nil {
		t.Fatalf("%s exit after SIGTERM: got %v, want status 0\noutput:\n%s", p.cfg.Name, p.err, p.Output())
	}
}

// Output returns everything the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.out.String() }

// cleanEnv returns the test's environment without RP_* and MOCKIDP_*.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RP_") || strings.HasPrefix(kv, "MOCKIDP_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// get200 fetches url once and reports an error unless it answers 200.
func get200(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Permanent(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// permanentError stops Poll at once.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that Poll gives up at once instead of retrying.
func Permanent(err error) error { return permanentError{err} }

// Poll calls check every interval until it returns nil, returns an error
// wrapped with Permanent, or ctx ends; it then returns the last error. It is
// how tests wait on a condition instead of sleeping a fixed time.
func Poll(ctx context.Context, interval time.Duration, check func() error) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		if errors.As(err, new(permanentError)) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-ticker.C:
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writes and reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
