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
	"net/netip"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/serve"
	"github.com/foyer-oidc/foyer/mockidp"
)

// options are the command-line settings (flags, else MOCKIDP_* variables).
type options struct {
	addr, issuer, config, login, alg string

	control                              bool
	controlAllow, publicURL, internalURL string
	persona, issuers, jwksCacheControl   string
	keyOverlap                           time.Duration
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
	fs.BoolVar(&o.control, "control", false, "serve the control API under <issuer>/_mock/ (loopback clients only)")
	fs.StringVar(&o.controlAllow, "control-allow", "", "comma-separated CIDRs or IPs that may also use the control API")
	fs.StringVar(&o.publicURL, "public-url", "", "base URL (scheme://host:port) advertised for authorize and end_session (split horizon)")
	fs.StringVar(&o.internalURL, "internal-url", "", "base URL advertised for token, jwks, userinfo, introspect and revoke (split horizon)")
	fs.StringVar(&o.persona, "persona", "", "imitate a provider: entra, google, apple, keycloak or auth0")
	fs.StringVar(&o.issuers, "issuers", "", "comma-separated names: serve one independent provider per name under /<name>/")
	fs.DurationVar(&o.keyOverlap, "key-overlap", 0, "how long a rotated-out key stays in the JWKS (0: until the next rotation)")
	fs.StringVar(&o.jwksCacheControl, "jwks-cache-control", "", "Cache-Control of /jwks (default no-cache)")
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
	return o, serve.ApplyEnv(fs, "MOCKIDP_", getenv)
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
		return serve.Healthcheck(ctx, o.addr)
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
	}{{&cfg.Login, o.login}, {&cfg.Alg, o.alg}, {&cfg.Issuer, o.issuer}, {&cfg.PublicURL, o.publicURL},
		{&cfg.InternalURL, o.internalURL}, {&cfg.Persona, o.persona}, {&cfg.JWKSCacheControl, o.jwksCacheControl}} {
		if s.v != "" {
			*s.dst = s.v
		}
	}
	if o.keyOverlap != 0 {
		cfg.KeyOverlap = o.keyOverlap
	}
	cfg.ControlAPI = cfg.ControlAPI || o.control
	if cfg.ControlAllow, err = parseAllow(o.controlAllow); err != nil {
		return err
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
	handler, issuers, err := newHandler(cfg, o.issuers)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.Handle("/", handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	printBanner(stdout, cfg, issuers)
	log.Info("mockidp serving", slog.String("version", version), slog.String("addr", ln.Addr().String()),
		slog.String("issuer", cfg.Issuer), slog.String("login", cmp.Or(cfg.Login, mockidp.LoginForm)),
		slog.String("alg", cmp.Or(cfg.Alg, "RS256")))
	return serve.Run(ctx, srv, ln, 5*time.Second, log)
}

// newHandler builds one provider, or with names (comma-separated) a
// mockidp.Multi with one provider per name under /<name>/, and returns it
// with the issuers it serves.
func newHandler(cfg mockidp.Config, names string) (http.Handler, []string, error) {
	if names == "" {
		p, err := mockidp.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		return p, []string{cmp.Or(p.Issuer(), "auto")}, nil
	}
	cfgs := map[string]mockidp.Config{}
	for _, n := range strings.Split(names, ",") {
		c := cfg
		c.Issuer = ""
		cfgs[strings.TrimSpace(n)] = c
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

// parseAllow parses comma-separated CIDRs or single IPs.
func parseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if ip, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		pfx, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("control-allow %q: want a CIDR or an IP", f)
		}
		out = append(out, pfx.Masked())
	}
	return out, nil
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
