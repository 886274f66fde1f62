package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// stopGrace is how long a process may take to exit after SIGTERM before it
// is killed.
const stopGrace = 3 * time.Second

// process is a program started by [startProcess]: one of foyer's binaries or
// a helper such as redis-server.
type process struct {
	// Name labels the process in messages, e.g. "rp".
	Name string
	cmd  *exec.Cmd
	log  string        // file holding its stdout and stderr
	done chan struct{} // closed when it has exited
	err  error         // cmd.Wait's result, set before done is closed
}

// startProcess starts path with args, its output going to a file in dir.
// The environment is the caller's without RP_* and MOCKIDP_* variables, so
// that a shell's settings cannot change what is measured. The process is
// killed if the calling thread dies (Linux parent-death signal).
func startProcess(name, dir, path string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	out, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer out.Close() // the child keeps its own descriptor
	cmd := exec.Command(path, args...)
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{Name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID returns the process id.
func (p *process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitReady polls url every interval until it answers 200 and returns how
// long that took from the call. It fails when the process exits first or ctx
// ends; the error then carries the end of the process's output.
func (p *process) WaitReady(ctx context.Context, url string, interval time.Duration) (time.Duration, error) {
	start := time.Now()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s not ready at %s: %w (last: %v)%s", p.Name, url, ctx.Err(), last, p.tail())
		case <-p.done:
			return 0, fmt.Errorf("%s exited before it was ready: %v%s", p.Name, p.err, p.tail())
		case <-timer.C:
		}
		if last = get200(ctx, client, url); last == nil {
			return time.Since(start), nil
		}
		timer.Reset(interval)
	}
}

// Stop sends SIGTERM, kills the process if it has not exited after a grace
// period, and removes its output file.
func (p *process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = os.Remove(p.log)
}

// Output returns the last few kilobytes the process wrote.
func (p *process) Output() string {
	f, err := os.Open(p.log)
	if err != nil {
		return ""
	}
	defer f.Close()
	const keep = 4 << 10
	if st, err := f.Stat(); err == nil && st.Size() > keep {
		_, _ = f.Seek(st.Size()-keep, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// tail formats Output for an error message.
func (p *process) tail() string {
	out := strings.TrimSpace(p.Output())
	if out == "" {
		return ""
	}
	return "\n--- " + p.Name + " output ---\n" + out
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
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return nil
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

// freeAddr returns a loopback address ("127.0.0.1:PORT") whose port the
// kernel just handed out and that was closed again for a program to use.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// errNA marks a measurement that cannot be taken on this machine; its text
// is shown as "n/a (reason)".
var errNA = errors.New("n/a")
