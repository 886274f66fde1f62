package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/foyer-oidc/foyer/rp"
)

// quirkOptions are the kind-specific settings of the provider given by --issuer.
type quirkOptions struct {
	ProviderKind string
	ProviderName string
	Tenants      string
	HostedDomain string
	GroupsClaim  string
	FormPost     bool
	AppleTeamID  string
	AppleKeyID   string
	AppleKeyFile string
}

// tuningOptions are the session and verification settings that are also flags.
type tuningOptions struct {
	IdleTimeout      time.Duration
	AbsoluteLifetime time.Duration
	ClockSkew        time.Duration
	MetricsAddr      string
}

// fileQuirks are the kind-specific keys of a provider in the YAML file.
type fileQuirks struct {
	Kind         string   `yaml:"kind"`
	Tenants      []string `yaml:"tenants"`
	HostedDomain string   `yaml:"hosted_domain"`
	GroupsClaim  string   `yaml:"groups_claim"`
	AppleTeamID  string   `yaml:"apple_team_id"`
	AppleKeyID   string   `yaml:"apple_key_id"`
	AppleKeyFile string   `yaml:"apple_key_file"`
}

// fileTuning are the YAML file's less common top-level keys.
type fileTuning struct {
	MaxTokenAge      time.Duration `yaml:"max_token_age"`
	RefreshBefore    time.Duration `yaml:"refresh_before"`
	LoginTTL         time.Duration `yaml:"login_ttl"`
	MaxLoginAttempts int           `yaml:"max_login_attempts"`
	JWKSCooldown     time.Duration `yaml:"jwks_cooldown"`
	KeyRefresh       time.Duration `yaml:"key_refresh_interval"`
	MetadataRefresh  time.Duration `yaml:"metadata_refresh_interval"`
	MetricsAddr      string        `yaml:"metrics_addr"`
}

// opsFlags defines the flags of quirkOptions and tuningOptions on fs.
func (o *options) opsFlags(fs *flag.FlagSet) {
	q, t := &o.quirkOptions, &o.tuningOptions
	fs.StringVar(&q.ProviderKind, "provider-kind", "", `quirks of the --issuer provider: "" (standard), entra, google, apple or keycloak`)
	fs.StringVar(&q.ProviderName, "provider-name", "", `name on the sign-in button (default "Sign in")`)
	fs.StringVar(&q.Tenants, "tenants", "", "entra: tenant ids allowed to sign in, comma-separated")
	fs.StringVar(&q.HostedDomain, "hosted-domain", "", "google: the Workspace domain people must belong to (hd)")
	fs.StringVar(&q.GroupsClaim, "groups-claim", "", `dotted claim path(s) groups come from, comma-separated (default "groups"; keycloak: "realm_access.roles")`)
	fs.BoolVar(&q.FormPost, "form-post", false, "ask the provider for response_mode=form_post")
	fs.StringVar(&q.AppleTeamID, "apple-team-id", "", "apple: team id (iss of the minted client secret)")
	fs.StringVar(&q.AppleKeyID, "apple-key-id", "", "apple: key id of the .p8 key")
	fs.StringVar(&q.AppleKeyFile, "apple-key-file", "", "apple: the .p8 private key file the client secret is minted with")
	fs.DurationVar(&t.IdleTimeout, "idle-timeout", 0, "end sessions unused for this long (default 1h)")
	fs.DurationVar(&t.AbsoluteLifetime, "absolute-lifetime", 0, "end sessions this long after sign-in (default 12h)")
	fs.DurationVar(&t.ClockSkew, "clock-skew", 0, "leeway for token times (default 1m, at most 5m)")
	fs.StringVar(&t.MetricsAddr, "metrics-addr", "", "serve /metrics on this address instead of the main listener (e.g. 127.0.0.1:9090)")
}

// withQuirks adds the --issuer provider's kind-specific settings to pc.
func (q quirkOptions) withQuirks(pc rp.ProviderConfig) rp.ProviderConfig {
	pc.Kind, pc.Tenants, pc.HostedDomain, pc.GroupsClaim = q.ProviderKind, splitList(q.Tenants), q.HostedDomain, q.GroupsClaim
	pc.FormPost = q.FormPost
	pc.AppleTeamID, pc.AppleKeyID, pc.AppleKeyFile = q.AppleTeamID, q.AppleKeyID, q.AppleKeyFile
	if q.ProviderName != "" {
		pc.Name = q.ProviderName
	}
	return pc
}

// withQuirks adds a file provider's kind-specific settings to pc.
func (f fileQuirks) withQuirks(pc rp.ProviderConfig) rp.ProviderConfig {
	pc.Kind, pc.Tenants, pc.HostedDomain, pc.GroupsClaim = f.Kind, f.Tenants, f.HostedDomain, f.GroupsClaim
	pc.AppleTeamID, pc.AppleKeyID, pc.AppleKeyFile = f.AppleTeamID, f.AppleKeyID, f.AppleKeyFile
	return pc
}

// tune applies the tuning settings to cfg: flags (or env) win over the file.
func tune(cfg *rp.Config, o *options, fc *fileConfig) {
	pick := func(flag, file time.Duration) time.Duration {
		if flag != 0 {
			return flag
		}
		return file
	}
	cfg.IdleTimeout = pick(o.IdleTimeout, fc.IdleTimeout)
	cfg.AbsoluteLifetime = pick(o.AbsoluteLifetime, fc.AbsoluteLifetime)
	cfg.ClockSkew = pick(o.ClockSkew, fc.ClockSkew)
	cfg.MaxTokenAge = fc.MaxTokenAge
	cfg.RefreshBefore = fc.RefreshBefore
	cfg.LoginTTL = fc.LoginTTL
	cfg.MaxLoginAttempts = fc.MaxLoginAttempts
	cfg.JWKSCooldown = fc.JWKSCooldown
	cfg.KeyRefreshInterval = fc.KeyRefresh
	cfg.MetadataRefreshInterval = fc.MetadataRefresh
}

// newRegistry returns the registry /metrics serves: rp's metrics (registered by
// rp.New through Config.Registerer), the Go runtime and process collectors, and
// foyer_rp_build_info.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "foyer_rp_build_info", Help: "Always 1; the version label is the running version.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), info)
	return reg
}

// metricsHandler serves reg in the Prometheus text (or OpenMetrics) format.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, EnableOpenMetrics: true})
}

// startMetrics serves /metrics on its own listener when --metrics-addr is set (so that
// in proxy mode the upstream keeps its own /metrics, and the metrics can stay on an
// internal address). It returns the function that stops it; with no address it does
// nothing, and /metrics is on the main listener instead.
func (a *app) startMetrics(log *slog.Logger, stdout io.Writer) (func(context.Context) error, error) {
	if a.metricsAddr == "" {
		return func(context.Context) error { return nil }, nil
	}
	ln, err := net.Listen("tcp", a.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(a.metrics))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "reason", err.Error())
		}
	}()
	fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", ln.Addr())
	return srv.Shutdown, nil
}
