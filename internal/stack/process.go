package stack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StopDeadline is how long a program may take to exit after SIGTERM in
// [Process.Stop].
const StopDeadline = time.Second

// readyTimeout bounds StartProcess's wait for the program to be ready.
const readyTimeout = 30 * time.Second

// outputTail is how many bytes of a program's output a Process keeps.
const outputTail = 64 << 10

// ProcessConfig describes a program to start as a separate process.
type ProcessConfig struct {
	// Name labels the process in messages, e.g. "rp".
	Name string
	// Path is the binary to run.
	Path string
	// Args are its command-line arguments (flags).
	Args []string
	// Env is added to a copy of this process's environment from which every
	// RP_* and MOCKIDP_* variable was removed, so that a developer's shell
	// cannot change what is started.
	Env []string
	// ReadyURL is polled until it answers 200, e.g. "http://ADDR/readyz";
	// empty means the program is ready once started.
	ReadyURL string
	// ReadyInterval is the time between two polls of ReadyURL. Default 10 ms.
	ReadyInterval time.Duration
	// Output, if set, also receives everything the program writes to
	// stdout and stderr (the Process keeps the last 64 KiB itself).
	Output io.Writer
}

// Process is a running program started by [Launch], [Start] or
// [StartProcess]. The kernel kills it if the thread that started it dies
// (Linux), so an interrupted run leaves nothing behind.
type Process struct {
	cfg  ProcessConfig
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// Launch starts cfg's program and returns at once, without waiting for it to
// be ready (see [Process.WaitReady]).
func Launch(cfg ProcessConfig) (*Process, error) {
	p := &Process{cfg: cfg, out: &tailBuffer{max: outputTail}, done: make(chan struct{})}
	p.cmd = exec.Command(cfg.Path, cfg.Args...)
	p.cmd.Env = append(cleanEnv(), cfg.Env...)
	var w io.Writer = p.out
	if cfg.Output != nil {
		w = io.MultiWriter(p.out, cfg.Output)
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cfg.Name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Start launches cfg's program and waits until cfg.ReadyURL answers 200. It
// fails, stopping the program, when the program exits first or ctx ends.
func Start(ctx context.Context, cfg ProcessConfig) (*Process, error) {
	p, err := Launch(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.ReadyURL == "" {
		return p, nil
	}
	if _, err := p.WaitReady(ctx, cfg.ReadyURL, cfg.ReadyInterval); err != nil {
		_ = p.Terminate(StopDeadline)
		return nil, err
	}
	return p, nil
}

// StartProcess is [Start] for a test: it fails t when the program does not
// become ready within 30 s, and registers a cleanup that kills the program if
// the test did not stop it and logs its output when the test failed.
func StartProcess(t testing.TB, cfg ProcessConfig) *Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	p, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("output of %s %s:\n%s", cfg.Name, strings.Join(cfg.Args, " "), p.Output())
		}
	})
	return p
}

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitReady polls url every interval (10 ms when 0) until it answers 200 and
// returns how long that took from the call. It fails when the process exits
// first or ctx ends; the error then carries the end of the process's output.
func (p *Process) WaitReady(ctx context.Context, url string, interval time.Duration) (time.Duration, error) {
	if interval <= 0 {
		interval = 10 * time.Millisecond
	}
	start := time.Now()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s not ready at %s: %w (last: %v)%s", p.cfg.Name, url, ctx.Err(), last, p.tail())
		case <-p.done:
			return 0, fmt.Errorf("%s exited before it was ready: %v%s", p.cfg.Name, p.err, p.tail())
		case <-timer.C:
		}
		if last = get200(ctx, client, url); last == nil {
			return time.Since(start), nil
		}
		timer.Reset(interval)
	}
}

// Terminate sends SIGTERM and waits up to grace for the process to exit,
// killing it after that. It returns an error when the process was still
// running at the deadline or exited with a non-zero status (also when it had
// exited by itself before).
func (p *Process) Terminate(grace time.Duration) error {
	if !p.Exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.Kill()
		return fmt.Errorf("%s still running %v after SIGTERM%s", p.cfg.Name, grace, p.tail())
	}
	if p.err != nil {
		return fmt.Errorf("%s exit: got %v, want status 0%s", p.cfg.Name, p.err, p.tail())
	}
	return nil
}

// Stop sends SIGTERM and fails t unless the process exits with status 0
// within StopDeadline.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if err := p.Terminate(StopDeadline); err != nil {
		t.Fatalf("%v", err)
	}
}

// Kill ends the process at once (SIGKILL) if it still runs, and waits for it.
func (p *Process) Kill() {
	if !p.Exited() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// Output returns the last 64 KiB the process wrote to stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// tail formats Output for an error message.
func (p *Process) tail() string {
	out := strings.TrimSpace(p.Output())
	if out == "" {
		return ""
	}
	if len(out) > 4<<10 {
		out = "…" + out[len(out)-4<<10:]
	}
	return "\n--- " + p.cfg.Name + " output ---\n" + out
}

// cleanEnv returns this process's environment without RP_* and MOCKIDP_*.
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
func get200(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it; it is safe for
// concurrent writes and reads.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
