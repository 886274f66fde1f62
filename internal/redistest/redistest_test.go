package redistest_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
)

// do sends one inline command to addr and returns the first reply line.
func do(t *testing.T, addr, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "%s\r\n", cmd); err != nil {
		t.Fatalf("write: %v", err)
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "$") && line != "$-1" {
		v, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read bulk: %v", err)
		}
		return strings.TrimSpace(v)
	}
	return line
}

func TestStartServes(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	if got, want := s.URL, "redis://"+s.Addr+"/0"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q, want a 127.0.0.1 address", s.Addr)
	}
	if got := do(t, s.Addr, "PING"); got != "+PONG" {
		t.Errorf("PING = %q, want +PONG", got)
	}
}

func TestRestartKeepsDataAndPort(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	addr := s.Addr
	if got := do(t, addr, "SET k v1"); got != "+OK" {
		t.Fatalf("SET = %q, want +OK", got)
	}
	s.Restart()
	if s.Addr != addr {
		t.Errorf("Addr after restart = %q, want %q", s.Addr, addr)
	}
	if got := do(t, addr, "GET k"); got != "v1" {
		t.Errorf("GET k after restart = %q, want v1", got)
	}
}

func TestStopRefusesConnections(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	s.Stop()
	s.Stop() // idempotent
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s after Stop succeeded, want connection refused", s.Addr)
	}
	s.Restart()
	if got := do(t, s.Addr, "PING"); got != "+PONG" {
		t.Errorf("PING after Stop+Restart = %q, want +PONG", got)
	}
}

func TestKillThenRestart(t *testing.T) {
	t.Parallel()
	s := redistest.Start(t)
	s.Kill()
	s.Restart()
	if got := do(t, s.Addr, "PING"); got != "+PONG" {
		t.Errorf("PING after Kill+Restart = %q, want +PONG", got)
	}
}

// recorder is a testing.TB whose Skipf and Fatalf record instead of stopping.
type recorder struct {
	*testing.T
	skipped, failed string
}

func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissingBinary(t *testing.T) {
	// Not parallel: it changes PATH and REQUIRE_REDIS.
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		require            string
		wantSkip, wantFail bool
	}{
		{require: "", wantSkip: true},
		{require: "0", wantSkip: true},
		{require: "1", wantFail: true},
	} {
		t.Run("REQUIRE_REDIS="+tc.require, func(t *testing.T) {
			t.Setenv("REQUIRE_REDIS", tc.require)
			r := &recorder{T: t}
			if s := redistest.Start(r); s != nil {
				t.Fatalf("Start without redis-server returned a server")
			}
			if got := r.skipped != ""; got != tc.wantSkip {
				t.Errorf("skipped = %v (%q), want %v", got, r.skipped, tc.wantSkip)
			}
			if got := r.failed != ""; got != tc.wantFail {
				t.Errorf("failed = %v (%q), want %v", got, r.failed, tc.wantFail)
			}
			for _, msg := range []string{r.skipped, r.failed} {
				if msg != "" && !strings.Contains(msg, "redis-server") {
					t.Errorf("message %q does not name redis-server", msg)
				}
			}
		})
	}
}
