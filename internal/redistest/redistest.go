// Package redistest starts a real redis-server for tests, the way net/http/httptest
// starts an HTTP server: one call, cleanup registered on the test, nothing to
// error-check.
//
// [Start] runs Debian's redis-server (installed by `make ci-deps`) on a free
// loopback port with its own temporary directory, waits until it answers PING,
// and stops it when the test ends. The append-only file is on, so [Server.Restart]
// brings the same data back on the same port, which is what an outage test needs.
//
// When redis-server is not installed the test is skipped with one line saying so,
// unless the environment sets REQUIRE_REDIS=1, in which case it fails (see
// stack.Require).
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// startTimeout bounds how long a server may take to answer its first PING.
const startTimeout = 15 * time.Second

// Server is a redis-server process owned by one test. Its methods are safe for
// concurrent use.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1.
	Addr string
	// URL is a go-redis URL for database 0, "redis://127.0.0.1:PORT/0".
	URL string
	// Dir is the server's working directory (append-only file, log).
	Dir string

	t    testing.TB
	bin  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start starts a redis-server for t and stops it in t.Cleanup. It skips t when
// redis-server is not in PATH, or fails t when REQUIRE_REDIS=1 (stack.Redis).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := stack.Require(t, stack.Redis)
	if bin == "" {
		return nil // reached only with a testing.TB whose Skipf/Fatalf return
	}
	s := &Server{t: t, bin: bin, Dir: t.TempDir()}
	// A free port can be taken by someone else between Close and redis binding it;
	// try a few ports before giving up.
	var lastErr, err error
	for range 3 {
		s.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if lastErr = s.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("redistest: %v", lastErr)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.URL = "redis://" + s.Addr + "/0"
	t.Cleanup(s.Stop)
	return s
}

// Stop shuts the server down gracefully (SIGTERM, which flushes the append-only
// file) and waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() { s.halt(os.Interrupt) }

// Kill ends the server at once (SIGKILL), as a crash would. Writes of the last
// second may be lost (appendfsync everysec). Killing a stopped server does nothing.
func (s *Server) Kill() { s.halt(os.Kill) }

// Restart stops the server if it runs and starts it again on the same port with
// the same directory, so the data it had persisted is there again.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// halt sends sig to the running process, if any, and waits for it to exit.
func (s *Server) halt(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	<-s.done
	s.cmd = nil
}

// start launches redis-server on s.port and waits for PING to succeed, for the
// process to exit, or for startTimeout.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logPath := filepath.Join(s.Dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "everysec",
		"--logfile", logPath,
		"--daemonize", "no",
	)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	if err := waitReady(addr, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("redis-server on %s: %w\n%s", addr, err, tail(logPath))
	}
	s.cmd, s.done = cmd, done
	return nil
}

// waitReady polls addr with PING, backing off from 1 ms to 50 ms, until it answers
// PONG, the process exits (done is closed) or startTimeout passes.
func waitReady(addr string, done <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	wait := time.Millisecond
	for {
		err := ping(addr)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", startTimeout, err)
		}
		select {
		case <-done:
			return errors.New("exited before it was ready")
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// ping sends one RESP PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// freePort returns a loopback port that was free a moment ago, picked the way
// internal/stack picks them (below the ephemeral range, where an outgoing
// connection cannot take it before redis-server binds it).
func freePort() (int, error) {
	addr, err := stack.Addr()
	if err != nil {
		return 0, err
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}

// tail returns the last lines of the server log, for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
