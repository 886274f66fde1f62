package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// options are the command-line settings (flags, else MOCKIDP_* variables).
type options struct {
	addr, issuer, config, login, alg string
}

// parseOptions reads flags from args and, for each flag not given, the
// environment variable MOCKIDP_<NAME> (upper snake case).
func parseOptions(name string, args []string, getenv func(string) string, out io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9400", "listen address")
	fs.StringVar(&o.issuer, "issuer", "", "issuer URL (default http:// + addr); \"auto\" derives it per request from Host / X-Forwarded-*")
	fs.StringVar(&o.config, "config", "", "YAML file with clients, users, signing key and lifetimes")
	fs.StringVar(&o.login, "login", "", "login mode: form (a page to pick a user) or auto (no page) (default form)")
	fs.StringVar(&o.alg, "alg", "", "signing algorithm: RS256, PS256, ES256 or EdDSA (default RS256)")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: %s [flags]\n       %s healthcheck [flags]\n       %s version\n\nEach flag can also be set as MOCKIDP_<FLAG> (e.g. MOCKIDP_ADDR).\n\n", name, name, name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := "MOCKIDP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && !set[f.Name] {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	})
	return o, errors.Join(errs...)
}

// run is the whole program: `mockidp [flags]` serves until ctx ends;
// `mockidp healthcheck [flags]` checks a running server's /healthz;
// `mockidp version` prints the version.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 1 && args[0] == "version" {
		_, err := fmt.Fprintln(stdout, "mockidp", version)
		return err
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		o, err := parseOptions("mockidp healthcheck", args[1:], getenv, stdout)
		if err != nil {
			return err
		}
		return healthcheck(ctx, o.addr)
	}
	o, err := parseOptions("mockidp", args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg := mockidp.Config{}
	if o.config != "" {
		if cfg, err = mockidp.LoadConfig(o.config); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		dst *string
		v   string
	}{{&cfg.Login, o.login}, {&cfg.Alg, o.alg}, {&cfg.Issuer, o.issuer}} {
		if s.v != "" {
			*s.dst = s.v
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	if cfg.Issuer == "" {
		cfg.Issuer = "http://" + issuerHost(ln.Addr().String())
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))
	cfg.Logger = log
	p, err := mockidp.New(cfg)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.Handle("/", p)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	printBanner(stdout, cfg)
	log.Info("mockidp serving", slog.String("version", version), slog.String("addr", ln.Addr().String()),
		slog.String("issuer", cfg.Issuer), slog.String("login", cmp.Or(cfg.Login, mockidp.LoginForm)),
		slog.String("alg", cmp.Or(cfg.Alg, "RS256")))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// printBanner prints the issuer and the first client's credentials.
func printBanner(w io.Writer, cfg mockidp.Config) {
	clients := cfg.Clients
	if clients == nil {
		clients = mockidp.DefaultClients()
	}
	fmt.Fprintf(w, "mockidp issuer:        %s\n", cfg.Issuer)
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

// healthcheck GETs /healthz of the server at addr (an unspecified host
// means loopback) and fails unless it answers 200.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
