package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/foyer-oidc/foyer/internal/serve"
	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/revocation"
)

// runServer configures rp from what Load read, listens, and serves until ctx
// ends. Everything is checked before the port is taken, so that a port in use
// cannot hide a configuration error.
func runServer(ctx context.Context, c *config, res *settings.Result, log *slog.Logger, stdout io.Writer) error {
	var ln net.Listener
	public := defaultPublicURL(c.Addr)
	if _, port, err := net.SplitHostPort(c.Addr); err == nil && port == "0" && c.RP.PublicURL == "" && res.Err() == nil {
		// Any free port: it cannot be busy, and the public URL needs its number.
		if ln, err = net.Listen("tcp", c.Addr); err != nil {
			return fmt.Errorf("%s: cannot listen: %w", res.Where(&c.Addr), err)
		}
		defer ln.Close()
		public = defaultPublicURL(ln.Addr().String())
	}
	a := configure(c, res, public, log)
	if err := res.Err(); err != nil {
		return err
	}
	for _, w := range res.Warnings() {
		log.Warn(w.String())
	}
	for _, n := range a.notes {
		log.Warn(n)
	}
	handler, auth, err := a.handler(ctx, c, res)
	if err != nil {
		return err
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", c.Addr); err != nil {
			return fmt.Errorf("%s: cannot listen: %w", res.Where(&c.Addr), err)
		}
		defer ln.Close()
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10, // chunked session cookies
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	stopMetrics, err := a.startMetrics(log, stdout)
	if err != nil {
		return fmt.Errorf("%s: %w", res.Where(&c.MetricsAddr), err)
	}
	served := make(chan error, 1)
	go func() { served <- serve.Run(ctx, srv, ln, shutdownGrace, log) }()
	if a.devMode {
		// The provider is in this process: say "listening" once it can sign people in.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := auth.WaitReady(wctx); err != nil {
			log.Warn("dev mode: the embedded mock IdP is not ready yet", "reason", err.Error())
		}
		cancel()
	}
	a.announce(stdout, ln.Addr())
	err = <-served
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = errors.Join(err, stopMetrics(sctx))
	if a.redis != nil {
		_ = a.redis.Close()
	}
	if a.state != nil {
		_ = a.state.Close()
	}
	return err
}

// stateFile is the journal of sign-outs and logouts in --state-dir.
const stateFile = "revocations"

// shutdownGrace is how long requests in flight may take to finish after SIGTERM.
const shutdownGrace = 10 * time.Second

// handler builds the routes: /auth/ (rp), /healthz, /readyz, /mockidp/ in dev mode, and
// either rp's pages or the upstream behind RequireLogin.
func (a *app) handler(ctx context.Context, c *config, res *settings.Result) (http.Handler, *rp.RP, error) {
	if a.redisURL != "" {
		st, err := useRedis(ctx, a.redisURL, &a.cfg, a.log)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", res.Where(&c.SessionStore), err)
		}
		a.redis = st
	}
	if a.stateDir != "" {
		st, err := revocation.OpenFile(filepath.Join(a.stateDir, stateFile), a.cfg.Now)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", res.Where(&c.StateDir), err)
		}
		a.state = st
		a.cfg.Revocations, a.cfg.ReplayCache = st, st
	}
	auth, err := rp.New(ctx, a.cfg)
	if err != nil {
		explain(err, c, a, res)
		return nil, nil, res.Err()
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.HandleFunc("GET /healthz", auth.Healthz)
	mux.HandleFunc("GET /readyz", auth.Readyz)
	if a.metricsOnMain {
		mux.Handle("GET /metrics", metricsHandler(a.metrics))
	}
	if a.devIdP != nil {
		mux.Handle("/mockidp/", a.devIdP)
	}
	if a.upstream != nil {
		mux.Handle("/", auth.Instrument("proxy", auth.Proxy(a.upstream, rp.ProxyOptions{})))
	} else {
		mux.Handle("/", auth.Home())
	}
	return mux, auth, nil
}

// announce prints where rp listens and where to go.
func (a *app) announce(w io.Writer, addr net.Addr) {
	listen := "http://" + addr.String()
	if listen == a.cfg.PublicURL {
		fmt.Fprintf(w, "foyer rp %s listening on %s\n", version, listen)
	} else {
		fmt.Fprintf(w, "foyer rp %s listening on %s (public URL %s)\n", version, listen, a.cfg.PublicURL)
	}
	if a.devMode {
		fmt.Fprintf(w, "dev mode: mock IdP at %s/mockidp (client demo / demo-secret); open %s and sign in as alice or bob\n",
			a.cfg.PublicURL, a.cfg.PublicURL)
	}
}

// defaultPublicURL is http:// + the listen address addr, with a host that is
// not an IP address, or an unspecified one (0.0.0.0, ::), replaced by 127.0.0.1.
func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// newLogger logs in format, "text" or "json" (the settings allow no other).
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
