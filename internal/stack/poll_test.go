package stack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

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
