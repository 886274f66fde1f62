package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// upstream is a minimal app for the reverse-proxy figures: it answers every
// request with 200 and a short body naming the X-Forwarded-User it got, so
// that its own cost is as small as can be and the proxy's cost stands out.
type upstream struct {
	// URL is its base URL, e.g. "http://127.0.0.1:PORT".
	URL string
	srv *http.Server
}

// startUpstream listens on a free loopback port and serves until Close.
func startUpstream() (*upstream, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("user=" + r.Header.Get("X-Forwarded-User") + "\n"))
	})}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = l.Close()
		}
	}()
	return &upstream{URL: "http://" + l.Addr().String(), srv: srv}, nil
}

// Close stops the server.
func (u *upstream) Close() error { return u.srv.Shutdown(context.Background()) }
