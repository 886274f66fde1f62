package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenLoopCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    OpenLoop
		want int
	}{
		{"rate × duration", OpenLoop{Rate: 1000, Duration: 3 * time.Second}, 3000},
		{"max requests caps it", OpenLoop{Rate: 1000, Duration: time.Hour, MaxRequests: 25}, 25},
		{"max requests above the schedule", OpenLoop{Rate: 10, Duration: time.Second, MaxRequests: 500}, 10},
		{"fractional rate", OpenLoop{Rate: 2.5, Duration: 2 * time.Second}, 5},
		{"zero rate", OpenLoop{Duration: time.Second}, 0},
		{"negative duration", OpenLoop{Rate: 10, Duration: -time.Second}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.o.Count(); got != tt.want {
				t.Errorf("%+v.Count() = %d, want %d", tt.o, got, tt.want)
			}
		})
	}
}

func TestOpenLoopRunsExactlyCount(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	o := OpenLoop{Rate: 20000, Duration: time.Hour, MaxRequests: 137}
	res := o.Run(context.Background(), func(context.Context) error {
		calls.Add(1)
		return nil
	})
	if got := calls.Load(); got != 137 {
		t.Errorf("do called %d times, want 137", got)
	}
	if res.Sent != 137 || res.OK != 137 || res.Failed != 0 || res.Latency.Count != 137 {
		t.Errorf("result = %+v, want 137 sent, 137 ok, 0 failed, 137 latencies", res)
	}
	if res.Lag.Count != 137 {
		t.Errorf("send lag samples = %d, want 137 (one per request sent)", res.Lag.Count)
	}
	if res.Elapsed <= 0 || res.Throughput() <= 0 {
		t.Errorf("elapsed %v, throughput %g: want both positive", res.Elapsed, res.Throughput())
	}
}

func TestOpenLoopCountsFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var n atomic.Int64
	res := OpenLoop{Rate: 20000, Duration: time.Hour, MaxRequests: 10}.Run(context.Background(), func(context.Context) error {
		if n.Add(1)%2 == 0 {
			return boom
		}
		return nil
	})
	if res.Sent != 10 || res.OK != 5 || res.Failed != 5 {
		t.Errorf("sent/ok/failed = %d/%d/%d, want 10/5/5", res.Sent, res.OK, res.Failed)
	}
	if !errors.Is(res.FirstErr, boom) {
		t.Errorf("FirstErr = %v, want %v", res.FirstErr, boom)
	}
	if res.Latency.Count != 5 {
		t.Errorf("latency samples = %d, want 5 (successes only)", res.Latency.Count)
	}
}

// TestOpenLoopDoesNotWaitForResponses checks that requests are started on
// schedule while earlier ones are still outstanding: with every request
// blocked, all of them must be in flight at once.
func TestOpenLoopDoesNotWaitForResponses(t *testing.T) {
	t.Parallel()
	const n = 20
	release := make(chan struct{})
	var inFlight atomic.Int64
	allIn := make(chan struct{})
	done := make(chan LoadResult)
	go func() {
		done <- OpenLoop{Rate: 10000, Duration: time.Hour, MaxRequests: n}.Run(context.Background(), func(context.Context) error {
			if inFlight.Add(1) == n {
				close(allIn)
			}
			<-release
			return nil
		})
	}()
	<-allIn // would block forever if the loop waited for each response
	close(release)
	if res := <-done; res.OK != n {
		t.Errorf("ok = %d, want %d", res.OK, n)
	}
}

func TestOpenLoopStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	res := OpenLoop{Rate: 1000, Duration: time.Hour}.Run(ctx, func(context.Context) error {
		if calls.Add(1) == 3 {
			cancel()
		}
		return nil
	})
	if full := (OpenLoop{Rate: 1000, Duration: time.Hour}).Count(); res.Sent < 3 || res.Sent >= full {
		t.Errorf("sent = %d, want at least 3 and far fewer than the schedule", res.Sent)
	}
}

func TestClosedLoopMaxOps(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var badVU atomic.Int64
	res := ClosedLoop{VUs: 4, Duration: time.Hour, MaxOps: 500}.Run(context.Background(), func(_ context.Context, vu int) error {
		if vu < 0 || vu >= 4 {
			badVU.Store(int64(vu))
		}
		calls.Add(1)
		return nil
	})
	if got := calls.Load(); got != 500 {
		t.Errorf("do called %d times, want 500", got)
	}
	if res.OK != 500 || res.Sent != 500 || res.Latency.Count != 500 {
		t.Errorf("result = %+v, want 500 sent and ok", res)
	}
	if v := badVU.Load(); v != 0 {
		t.Errorf("do got vu %d, want 0 to 3", v)
	}
}

// TestClosedLoopEveryVUStartsOnce: a deadline that passed before the VUs'
// goroutines ran (here at once; on a loaded machine, a short Duration) still
// lets each VU start one operation, so that a run measures something.
func TestClosedLoopEveryVUStartsOnce(t *testing.T) {
	t.Parallel()
	var seen [3]atomic.Int64
	res := ClosedLoop{VUs: 3, Duration: time.Nanosecond}.Run(context.Background(), func(_ context.Context, vu int) error {
		seen[vu].Add(1)
		return nil
	})
	for vu := range seen {
		if n := seen[vu].Load(); n != 1 {
			t.Errorf("vu %d started %d operations, want 1", vu, n)
		}
	}
	if res.Sent != 3 || res.OK != 3 {
		t.Errorf("result = %+v, want 3 sent and ok", res)
	}
	// MaxOps still caps them.
	var calls atomic.Int64
	ClosedLoop{VUs: 3, Duration: time.Nanosecond, MaxOps: 1}.Run(context.Background(), func(context.Context, int) error {
		calls.Add(1)
		return nil
	})
	if n := calls.Load(); n != 1 {
		t.Errorf("MaxOps 1: %d operations, want 1", n)
	}
}

func TestClosedLoopStopsAtDuration(t *testing.T) {
	t.Parallel()
	res := ClosedLoop{VUs: 2, Duration: 50 * time.Millisecond}.Run(context.Background(), func(context.Context, int) error {
		return errors.New("fail")
	})
	if res.Sent == 0 || res.Failed != res.Sent || res.OK != 0 {
		t.Errorf("result = %+v, want some sent, all failed", res)
	}
}
