package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Run serves srv on ln until ctx ends, then shuts srv down gracefully and
// returns nil.
//
// The shutdown stops accepting connections and at once closes those that are
// idle or have not sent a request yet (http.StateNew: a browser's
// pre-connected sockets, which [http.Server.Shutdown] alone would wait five
// seconds for); requests in flight get up to grace to finish. When grace runs
// out, Run closes the remaining connections and returns an error wrapping
// [context.DeadlineExceeded]. If serving fails before ctx ends, Run returns
// that error.
//
// A request whose headers are arriving on a new connection at the very moment
// the shutdown starts is cut off, as any server closing a connection may do;
// clients see the connection closed before an answer.
//
// log, when not nil, says "shutting down" as the shutdown starts.
//
// Run takes over srv.ConnState (calling the hook already set, if any); srv
// must not be started elsewhere.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *slog.Logger) error {
	conns := newTracker(srv.ConnState)
	srv.ConnState = conns.hook
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if log != nil {
		log.Info("shutting down", "grace", grace.String())
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(sctx) }()
	conns.closeNew()
	err := <-done
	if err != nil {
		// Requests still running after grace: cut them off. (Close's own error
		// would only repeat that the listener is closed already.)
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// tracker remembers which connections are in http.StateNew, so that a
// shutdown can close them.
type tracker struct {
	next func(net.Conn, http.ConnState) // the server's own hook, or nil

	mu       sync.Mutex
	fresh    map[net.Conn]struct{} // connections in StateNew
	stopping bool                  // closeNew has run: close new connections on sight
}

func newTracker(next func(net.Conn, http.ConnState)) *tracker {
	return &tracker{next: next, fresh: map[net.Conn]struct{}{}}
}

// hook is the server's ConnState.
func (t *tracker) hook(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	switch {
	case st == http.StateNew && t.stopping:
		// Accepted while the listener was being closed.
		_ = c.Close()
	case st == http.StateNew:
		t.fresh[c] = struct{}{}
	default:
		delete(t.fresh, c)
	}
	t.mu.Unlock()
	if t.next != nil {
		t.next(c, st)
	}
}

// closeNew closes every connection that has not sent a request yet, and every
// one accepted from now on. The server then sees them as closed and stops
// waiting for them.
func (t *tracker) closeNew() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopping = true
	for c := range t.fresh {
		_ = c.Close()
		delete(t.fresh, c)
	}
}
