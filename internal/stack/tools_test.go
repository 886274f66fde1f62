package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB whose Skipf and Fatalf record the message
// instead of stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestRequireToolMissing(t *testing.T) {
	// Not parallel: it changes PATH and the REQUIRE_* variables.
	t.Setenv("PATH", t.TempDir()) // neither chromium nor redis-server here
	tests := []struct {
		tool, env, value string
		wantSkip         bool
	}{
		{ToolBrowser, "REQUIRE_BROWSER", "", true},
		{ToolBrowser, "REQUIRE_BROWSER", "0", true},
		{ToolBrowser, "REQUIRE_BROWSER", "1", false},
		{ToolRedis, "REQUIRE_REDIS", "", true},
		{ToolRedis, "REQUIRE_REDIS", "true", false},
	}
	for _, tt := range tests {
		t.Setenv(tt.env, tt.value)
		r := &recorder{TB: t}
		RequireTool(r, tt.tool)
		msg := r.skipped + r.failed
		switch {
		case tt.wantSkip && (r.skipped == "" || r.failed != ""):
			t.Errorf("%s with %s=%q: got skip %q, fail %q; want a skip", tt.tool, tt.env, tt.value, r.skipped, r.failed)
		case !tt.wantSkip && (r.failed == "" || r.skipped != ""):
			t.Errorf("%s with %s=%q: got skip %q, fail %q; want a failure", tt.tool, tt.env, tt.value, r.skipped, r.failed)
		}
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.env) {
			t.Errorf("%s: message %q: want one line naming %s", tt.tool, msg, tt.env)
		}
	}
}

func TestRequireToolUnknownName(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	RequireTool(r, "printer")
	if !strings.Contains(r.failed, "unknown tool") {
		t.Errorf("got fail %q, skip %q; want an unknown tool failure", r.failed, r.skipped)
	}
}

func TestPoll(t *testing.T) {
	t.Parallel()
	errNotYet := errors.New("not yet")
	errBroken := errors.New("broken")
	tests := []struct {
		name    string
		results []error // what check returns on each call; the last repeats
		timeout time.Duration
		wantErr error
		wantN   int
	}{
		{"ready at once", []error{nil}, time.Minute, nil, 1},
		{"ready on the third call", []error{errNotYet, errNotYet, nil}, time.Minute, nil, 3},
		{"permanent error stops", []error{errNotYet, Permanent(errBroken)}, time.Minute, errBroken, 2},
		{"never ready", []error{errNotYet}, 30 * time.Millisecond, context.DeadlineExceeded, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			n := 0
			err := Poll(ctx, time.Millisecond, func() error {
				i := min(n, len(tt.results)-1)
				n++
				return tt.results[i]
			})
			if !errors.Is(err, tt.wantErr) && (err != nil || tt.wantErr != nil) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
			if tt.wantN >= 0 && n != tt.wantN {
				t.Errorf("got %d calls, want %d", n, tt.wantN)
			}
		})
	}
}

func TestFreeAddr(t *testing.T) {
	t.Parallel()
	a, b := FreeAddr(t), FreeAddr(t)
	if !strings.HasPrefix(a, "127.0.0.1:") || a == b {
		t.Errorf("got %q and %q, want two different 127.0.0.1 addresses", a, b)
	}
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Errorf("FreePort: got %d, want a TCP port", p)
	}
}
