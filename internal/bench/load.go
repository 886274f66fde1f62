package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// defaultMaxInFlight bounds the requests an OpenLoop keeps outstanding when
// its MaxInFlight is zero.
const defaultMaxInFlight = 1024

// OpenLoop sends requests at a fixed rate, whatever the responses do: request
// i is due at start + i/Rate, and slow responses never hold later requests
// back, so time spent queued in a slow server shows in the latencies instead
// of slowing the load down (no coordinated omission). A request's latency
// runs from when it was sent; when the MaxInFlight cap held it back, from
// when it was due. (Go's timers wake up to about a millisecond late on an
// idle Linux machine; that lateness is the tool's, not the server's, and is
// reported apart as LoadResult.Lag.) It stops by itself after Duration's
// worth of schedule or MaxRequests requests, whichever comes first, and waits
// for the requests in flight.
type OpenLoop struct {
	// Rate is the number of requests per second; it must be positive.
	Rate float64
	// Duration is how long requests are scheduled for.
	Duration time.Duration
	// MaxRequests caps the number of requests; 0 means Rate × Duration.
	MaxRequests int
	// MaxInFlight caps the outstanding requests; when it is reached the
	// schedule waits (and the waiting shows in the latencies). 0 means 1024.
	MaxInFlight int
}

// LoadResult is what a load run measured.
type LoadResult struct {
	// Sent is the number of requests started, OK those that succeeded and
	// Failed those that returned an error.
	Sent, OK, Failed int
	// FirstErr is the first error a request returned, if any.
	FirstErr error
	// Elapsed runs from the first request's start to the last one's end.
	Elapsed time.Duration
	// Latency summarizes the successful requests.
	Latency Latency
	// Lag summarizes how late requests were sent after they were due
	// (open loop only).
	Lag Latency
}

// Throughput returns the successful requests per second.
func (r LoadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Count returns the number of requests the schedule holds.
func (o OpenLoop) Count() int {
	n := int(o.Rate * o.Duration.Seconds())
	if o.MaxRequests > 0 && o.MaxRequests < n {
		n = o.MaxRequests
	}
	return max(n, 0)
}

// Run calls do on the schedule until it is through or ctx ends. do must
// return an error for a failed request.
func (o OpenLoop) Run(ctx context.Context, do func(context.Context) error) LoadResult {
	n := o.Count()
	if o.Rate <= 0 || n == 0 {
		return LoadResult{}
	}
	limit := o.MaxInFlight
	if limit <= 0 {
		limit = defaultMaxInFlight
	}
	interval := time.Duration(float64(time.Second) / o.Rate)
	lat := make([]time.Duration, n)
	lag := make([]time.Duration, n)
	failed := make([]bool, n)
	var firstErr error
	var errOnce sync.Once
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	start := time.Now()
	sent := 0
schedule:
	for ; sent < n; sent++ {
		due := start.Add(time.Duration(sent) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break schedule
			case <-timer.C:
			}
		}
		held := false
		select {
		case sem <- struct{}{}:
		default: // the cap holds this request back: count from its due time
			held = true
			select {
			case <-ctx.Done():
				break schedule
			case sem <- struct{}{}:
			}
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			lag[i] = t0.Sub(due)
			if held {
				t0 = due
			}
			if err := do(ctx); err != nil {
				failed[i] = true
				errOnce.Do(func() { firstErr = err })
				return
			}
			lat[i] = time.Since(t0)
		}(sent, due)
	}
	wg.Wait()
	res := LoadResult{Sent: sent, Elapsed: time.Since(start), FirstErr: firstErr}
	ok := lat[:0]
	for i := range sent {
		if failed[i] {
			res.Failed++
			continue
		}
		ok = append(ok, lat[i])
	}
	res.OK = len(ok)
	res.Latency = Summarize(ok)
	res.Lag = Summarize(lag[:sent])
	return res
}

// ClosedLoop runs virtual users, each repeating an operation as soon as the
// previous one finished, until Duration has passed or MaxOps operations have
// been started in all. It measures capacity (operations per second), not
// latency under a given load.
type ClosedLoop struct {
	// VUs is the number of concurrent virtual users; at least 1.
	VUs int
	// Duration bounds the run; operations under way at the end still finish, and
	// each VU starts at least one operation (within MaxOps).
	Duration time.Duration
	// MaxOps caps the operations started in all; 0 means no cap.
	MaxOps int
}

// Run calls do(ctx, vu) from VUs goroutines until the run is over.
func (c ClosedLoop) Run(ctx context.Context, do func(ctx context.Context, vu int) error) LoadResult {
	vus := max(c.VUs, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var started atomic.Int64
	var mu sync.Mutex
	var res LoadResult
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(c.Duration)
	for vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each VU starts one operation even if the deadline passed before it
			// ran (a loaded machine may start its goroutine that late): a run that
			// started none would measure nothing.
			for first := true; ctx.Err() == nil && (first || time.Now().Before(deadline)); first = false {
				if c.MaxOps > 0 && started.Add(1) > int64(c.MaxOps) {
					return
				}
				t0 := time.Now()
				err := do(ctx, vu)
				d := time.Since(t0)
				mu.Lock()
				res.Sent++
				if err != nil {
					res.Failed++
					if res.FirstErr == nil {
						res.FirstErr = err
					}
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.OK = len(lat)
	res.Latency = Summarize(lat)
	return res
}
