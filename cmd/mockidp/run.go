package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/foyer-oidc/foyer/internal/serve"
	"github.com/foyer-oidc/foyer/mockidp"
)

// run is the whole program: `mockidp [flags]` serves until ctx ends;
// `mockidp healthcheck [flags]` checks a running server's /healthz;
// `mockidp version` prints the version. environ holds the environment as
// "KEY=value" entries.
func run(ctx context.Context, args, environ []string, stdout io.Writer) error {
	if len(args) == 1 && args[0] == "version" {
		_, err := fmt.Fprintln(stdout, "mockidp", version)
		return err
	}
	healthcheck := len(args) > 0 && args[0] == "healthcheck"
	if healthcheck {
		args = args[1:]
	}
	c := &config{}
	t := table(c)
	res := t.Load(args, environ, nil)
	if res.Help {
		t.Help(stdout)
		return nil
	}
	if healthcheck {
		if err := res.Err(); err != nil {
			return err
		}
		if c.TLS {
			return c.healthcheckTLS(ctx)
		}
		return serve.Healthcheck(ctx, c.Addr)
	}
	cfg := c.resolve(res)
	c.checkTLS(res)
	if err := res.Err(); err != nil {
		return err
	}
	scheme := "http://"
	if c.TLS {
		scheme = "https://"
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	for _, w := range res.Warnings() {
		log.Warn(w.String())
	}
	cfg.Logger = log
	// Check everything before taking the port; the default issuer needs the
	// port (which may be :0), so a stand-in is checked first.
	check := cfg
	if check.Issuer == "" {
		check.Issuer = scheme + issuerHost(c.Addr)
	}
	handler, issuers, err := newHandler(check, c.Issuers)
	if err != nil {
		return explain(err, c, res)
	}
	var tlsConfig *tls.Config
	if c.TLS {
		if tlsConfig, err = c.serverTLS(check); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("%s: cannot listen: %w", res.Where(&c.Addr), err)
	}
	defer ln.Close()
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = scheme + issuerHost(ln.Addr().String())
		if handler, issuers, err = newHandler(cfg, c.Issuers); err != nil {
			return explain(err, c, res)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.Handle("/", handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if c.TLSCAOut != "" {
		fmt.Fprintf(stdout, "mockidp TLS CA:        %s\n", c.TLSCAOut)
	}
	printBanner(stdout, cfg, issuers)
	log.Info("mockidp serving", slog.String("version", version), slog.String("addr", ln.Addr().String()),
		slog.String("issuer", cfg.Issuer), slog.String("login", cmp.Or(cfg.Login, mockidp.LoginForm)),
		slog.String("alg", cmp.Or(cfg.Alg, "RS256")))
	return serve.Run(ctx, srv, ln, 5*time.Second, log)
}

// newHandler builds one provider, or with names (comma-separated) a
// mockidp.Multi with one provider per name under /<name>/, and returns it
// with the issuers it serves.
func newHandler(cfg mockidp.Config, names []string) (http.Handler, []string, error) {
	if len(names) == 0 {
		p, err := mockidp.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		return p, []string{cmp.Or(p.Issuer(), "auto")}, nil
	}
	cfgs := map[string]mockidp.Config{}
	for _, n := range names {
		c := cfg
		c.Issuer = ""
		cfgs[n] = c
	}
	m, err := mockidp.NewMulti(cfg.Issuer, cfgs)
	if err != nil {
		return nil, nil, err
	}
	var issuers []string
	for _, n := range m.Names() {
		issuers = append(issuers, cmp.Or(m.Provider(n).Issuer(), cfg.Issuer+" /"+n))
	}
	return m, issuers, nil
}

// printBanner prints the issuers and the first client's credentials.
func printBanner(w io.Writer, cfg mockidp.Config, issuers []string) {
	clients := cfg.Clients
	if clients == nil {
		clients = mockidp.DefaultClients()
	}
	for _, iss := range issuers {
		fmt.Fprintf(w, "mockidp issuer:        %s\n", iss)
	}
	if cfg.ControlAPI {
		fmt.Fprintf(w, "mockidp control API:   <issuer>/_mock/\n")
	}
	if len(clients) > 0 {
		fmt.Fprintf(w, "mockidp client_id:     %s\n", clients[0].ID)
		fmt.Fprintf(w, "mockidp client_secret: %s\n", clients[0].Secret)
	}
}

// issuerHost turns a listen address into a host for the default issuer:
// an unspecified IP (0.0.0.0, ::) becomes localhost.
func issuerHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
