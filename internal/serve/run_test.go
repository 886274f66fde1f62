package serve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// closeSignal wraps a listener and closes closed when the server closes it,
// which is the first step of a shutdown.
type closeSignal struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *closeSignal) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// syncBuffer is a log sink safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is a server started with Run.
type running struct {
	addr   string
	ln     *closeSignal
	cancel context.CancelFunc
	done   chan error // Run's result
}

// start runs srv with Run on a loopback port until the test ends.
func start(t *testing.T, srv *http.Server, grace time.Duration, log *slog.Logger) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{addr: ln.Addr().String(), ln: &closeSignal{Listener: ln, closed: make(chan struct{})},
		cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- Run(ctx, srv, r.ln, grace, log) }()
	t.Cleanup(func() {
		cancel()
		<-r.ln.closed
	})
	return r
}

// stop cancels Run's context and returns Run's result.
func (r *running) stop() error {
	r.cancel()
	return <-r.done
}

func TestRunClosesConnectionsThatSentNothing(t *testing.T) {
	t.Parallel()
	seen := make(chan struct{}, 1)
	srv := &http.Server{
		Handler: http.NotFoundHandler(),
		// Run must keep calling the server's own hook.
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				seen <- struct{}{}
			}
		},
	}
	// A grace below http.Server's own 5 s wait for new connections: without
	// Run closing the silent connection, Shutdown would run out of time.
	r := start(t, srv, 3*time.Second, nil)
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-seen
	if err := r.stop(); err != nil {
		t.Fatalf("Run with a silent connection open: got %v, want nil", err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("silent connection after shutdown: read %d bytes, err %v; want it closed by the server", n, err)
	}
}

func TestRunLetsActiveRequestsFinish(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})}
	var logged syncBuffer
	r := start(t, srv, time.Minute, slog.New(slog.NewTextHandler(&logged, nil)))
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + r.addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	r.cancel()
	<-r.ln.closed // the shutdown has begun
	if got := logged.String(); !strings.Contains(got, "shutting down") {
		t.Errorf("log at shutdown: got %q, want it to say shutting down", got)
	}
	select {
	case err := <-r.done:
		t.Fatalf("Run returned %v while a request was still running", err)
	default:
	}
	close(release)
	if res := <-got; res.err != nil || res.body != "finished" {
		t.Errorf("slow request during shutdown: got %q, %v; want %q, nil", res.body, res.err, "finished")
	}
	if err := <-r.done; err != nil {
		t.Errorf("Run after the slow request finished: got %v, want nil", err)
	}
}

func TestRunCutsOffRequestsAfterGrace(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	})}
	r := start(t, srv, time.Millisecond, nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + r.addr + "/stuck")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	if err := r.stop(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run with a request stuck past grace: got %v, want context.DeadlineExceeded", err)
	}
	if err := <-errc; err == nil {
		t.Error("stuck request: got an answer, want its connection closed")
	}
}

func TestRunReportsServeError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = Run(context.Background(), &http.Server{}, ln, time.Second, nil)
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Run on a closed listener: got %v, want net.ErrClosed", err)
	}
}

func TestTrackerClosesNewConnectionsOnceStopping(t *testing.T) {
	t.Parallel()
	var calls []http.ConnState
	tr := newTracker(func(_ net.Conn, st http.ConnState) { calls = append(calls, st) })
	pipe := func() net.Conn {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return a
	}
	silent, busy, late := pipe(), pipe(), pipe()
	tr.hook(silent, http.StateNew)
	tr.hook(busy, http.StateNew)
	tr.hook(busy, http.StateActive)
	tr.closeNew()
	tr.hook(late, http.StateNew)
	for _, tc := range []struct {
		name   string
		c      net.Conn
		closed bool
	}{{"silent (new before the shutdown)", silent, true}, {"busy (active)", busy, false}, {"late (new during the shutdown)", late, true}} {
		_ = tc.c.SetWriteDeadline(time.Now()) // a pipe write would block
		_, err := tc.c.Write([]byte("x"))
		if got := errors.Is(err, io.ErrClosedPipe); got != tc.closed {
			t.Errorf("%s: closed = %v (write: %v), want %v", tc.name, got, err, tc.closed)
		}
	}
	if want := []http.ConnState{http.StateNew, http.StateNew, http.StateActive, http.StateNew}; len(calls) != len(want) {
		t.Errorf("the server's own hook got %v, want %v", calls, want)
	}
}
