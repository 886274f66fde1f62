package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/foyer-oidc/foyer/internal/serve"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// app is a configured server, ready to serve on its listener.
type app struct {
	cfg      rp.Config
	devMode  bool
	devIdP   *mockidp.Provider
	upstream *url.URL          // --upstream; nil: rp's own pages
	redisURL string            // --session-store redis://...; empty: cookies
	redis    *redisstore.Store // nil: cookie sessions
	log      *slog.Logger
	metrics  *prometheus.Registry // served at /metrics
	// metricsAddr serves /metrics on its own listener; empty: on the main one.
	metricsAddr string
}

// runServer builds the server from o, listens, and serves until ctx ends.
func runServer(ctx context.Context, o *options, stdout io.Writer) error {
	log, err := newLogger(o.LogFormat, stdout)
	if err != nil {
		return err
	}
	fc := &fileConfig{}
	if o.Config != "" {
		if fc, err = loadFile(o.Config); err != nil {
			return err
		}
	}
	addr := first(o.Addr, fc.Addr, defaultAddr)
	if o.CheckConfig {
		a, err := configure(o, fc, "http://"+addr, log)
		if err = errors.Join(err, a.cfg.Validate()); err != nil {
			return fmt.Errorf("configuration has problems:\n%w", err)
		}
		fmt.Fprintln(stdout, "configuration is valid")
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	a, err := configure(o, fc, defaultPublicURL(ln.Addr()), log)
	if err != nil {
		return err
	}
	handler, auth, err := a.handler(ctx)
	if err != nil {
		return err
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
		return err
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
	a.announce(stdout)
	err = <-served
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = errors.Join(err, stopMetrics(sctx))
	if a.redis != nil {
		_ = a.redis.Close()
	}
	return err
}

// shutdownGrace is how long requests in flight may take to finish after SIGTERM.
const shutdownGrace = 10 * time.Second

// configure turns options and the file into an rp.Config; with no provider at all it
// sets up dev mode.
func configure(o *options, fc *fileConfig, listenURL string, log *slog.Logger) (*app, error) {
	a := &app{log: log}
	var errs []error
	public := first(o.PublicURL, fc.PublicURL, listenURL)
	providers, err := o.providers(fc)
	errs = append(errs, err)
	secrets, err := o.cookieSecrets(fc)
	errs = append(errs, err)
	switch store := first(o.SessionStore, fc.SessionStore, "cookie"); {
	case store == "cookie":
	default:
		if isRedisURL(store) {
			a.redisURL = store
		} else {
			errs = append(errs, errors.New("--session-store: want cookie or a redis:// URL"))
		}
	}
	if up := first(o.Upstream, fc.Upstream, ""); up != "" {
		u, err := url.Parse(up)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--upstream %q: want an http(s) URL", up))
		} else {
			a.upstream = u
		}
	}
	if len(providers) == 0 && o.Config == "" {
		a.devMode = true
		idp, err := mockidp.New(mockidp.Config{Issuer: public + "/mockidp", Login: mockidp.LoginForm, Logger: log.With("component", "mockidp")})
		if err != nil {
			errs = append(errs, fmt.Errorf("dev mode: %w", err))
		}
		a.devIdP = idp
		providers = []rp.ProviderConfig{{ID: "mock", Name: "Mock IdP", Issuer: public + "/mockidp", ClientID: "demo", ClientSecret: "demo-secret"}}
		if len(secrets) == 0 {
			log.Warn("dev mode: no cookie secret given; using a random one, so sessions end when rp restarts")
			secrets = [][]byte{[]byte(rand.Text() + rand.Text())}
		}
	}
	a.cfg = rp.Config{
		PublicURL:     public,
		Providers:     providers,
		CookieSecrets: secrets,
		Logger:        log,
	}
	tune(&a.cfg, o, fc)
	errs = append(errs, o.applyGateway(fc, &a.cfg))
	a.metrics = newRegistry()
	a.cfg.Registerer = a.metrics
	a.metricsAddr = first(o.MetricsAddr, fc.MetricsAddr)
	return a, errors.Join(errs...)
}

// handler builds the routes: /auth/ (rp), /healthz, /readyz, /mockidp/ in dev mode, and
// either rp's pages or the upstream behind RequireLogin.
func (a *app) handler(ctx context.Context) (http.Handler, *rp.RP, error) {
	if a.redisURL != "" {
		st, err := useRedis(ctx, a.redisURL, &a.cfg, a.log)
		if err != nil {
			return nil, nil, fmt.Errorf("--session-store: %w", err)
		}
		a.redis = st
	}
	auth, err := rp.New(ctx, a.cfg)
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.HandleFunc("GET /healthz", auth.Healthz)
	mux.HandleFunc("GET /readyz", auth.Readyz)
	if a.metricsAddr == "" {
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

// announce prints where to go.
func (a *app) announce(w io.Writer) {
	fmt.Fprintf(w, "foyer rp %s listening on %s\n", version, a.cfg.PublicURL)
	if a.devMode {
		fmt.Fprintf(w, "dev mode: mock IdP at %s/mockidp (client demo / demo-secret); open %s and sign in as alice or bob\n",
			a.cfg.PublicURL, a.cfg.PublicURL)
	}
}

// defaultPublicURL is http:// + the listen address, with an unspecified host
// (0.0.0.0, ::) replaced by 127.0.0.1.
func defaultPublicURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// first returns the first non-empty value.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
