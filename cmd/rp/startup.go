package main

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/revocation"
)

// app is a configured server, ready to serve on its listener.
type app struct {
	cfg      rp.Config
	devMode  bool
	devIdP   http.Handler      // dev mode: the embedded provider
	upstream *url.URL          // --upstream; nil: rp's own pages
	redisURL string            // --session-store redis://...; empty: cookies
	redis    *redisstore.Store // nil: cookie sessions
	stateDir string            // --state-dir; empty: sign-outs kept in memory
	state    *revocation.File  // the journal in stateDir, once opened
	log      *slog.Logger
	// metrics is served at /metrics on the main listener (metricsOnMain) and/or
	// on metricsAddr; nil: not at all.
	metrics       *prometheus.Registry
	metricsOnMain bool
	metricsAddr   string
	// sources[i] is where cfg.Providers[i] was configured.
	sources []*provider
	// notes are warnings about a configuration that works: logged at startup,
	// printed by --check-config.
	notes []string
}

// The startup decision's errors, one line each.
const (
	errNoProvider = "no sign-in provider configured: set --issuer and --client-id (RP_ISSUER, RP_CLIENT_ID), " +
		"or list providers in a YAML file given with --config" + devHint
	makeSecret = `"rp secret" prints a new one`
)

// configure turns what was read into an app. public is the public URL when
// --public-url is not set (http:// + the listen address). It decides between
// dev mode and the configured providers, reads the secret files and checks
// everything, adding each problem to res in the operator's words.
func configure(c *config, res *settings.Result, public string, log *slog.Logger) *app {
	a := &app{log: log, cfg: c.RP}
	a.cfg.PublicURL = cmp.Or(c.RP.PublicURL, public)
	a.cfg.Logger = log
	if !a.decideMode(c, res) {
		return a // the one line that says what to do, without the rest
	}
	if a.devMode && !a.startDev(res) {
		return a // nothing to sign in with: the one line that says why
	}
	secrets, given := cookieSecrets(c, res)
	switch {
	case given:
	case a.devMode:
		a.notes = append(a.notes, "dev mode: no cookie secret given; using a random one, so sessions end when rp restarts")
		secrets = [][]byte{[]byte(rand.Text() + rand.Text())}
	default:
		res.Errorf("", "no cookie secret: put one in a file and set --cookie-secret-file (RP_COOKIE_SECRET_FILE, or cookie_secret_file in the YAML file); %s", makeSecret)
	}
	a.cfg.CookieSecrets = secrets
	if !a.devMode {
		for _, p := range append(c.Providers, &c.Flagged) {
			if p == &c.Flagged && !flaggedConfigured(c) {
				continue
			}
			a.cfg.Providers = append(a.cfg.Providers, providerConfig(p, res, p == &c.Flagged))
			a.sources = append(a.sources, p)
		}
	}
	switch store := c.SessionStore; {
	case store == "cookie":
		a.stateDir = c.StateDir
		if c.StateDir == "" && !a.devMode {
			a.notes = append(a.notes, "cookie sessions without --state-dir: sign-outs and back-channel logouts are kept in memory only, "+
				"so after a restart, or on another replica, a copy of a signed-out cookie works again until its absolute lifetime; "+
				"set --state-dir (RP_STATE_DIR, state_dir) to a persistent directory, or use a Redis --session-store")
		}
	case isRedisURL(store):
		a.redisURL = store
		if c.StateDir != "" {
			a.notes = append(a.notes, fmt.Sprintf("%s is not used with a Redis session store: Redis keeps sign-outs and logouts", res.Where(&c.StateDir)))
		}
	default:
		res.Errorf(fmt.Sprintf("%s %q", res.Where(&c.SessionStore), store), "want cookie or a Redis URL (redis://, rediss://, redis+sentinel://, redis+cluster://)")
	}
	if c.Upstream != "" {
		u, err := url.Parse(c.Upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			res.Errorf(fmt.Sprintf("%s %q", res.Where(&c.Upstream), c.Upstream), "want the http(s) URL of the app behind rp")
		} else {
			a.upstream = u
		}
	}
	a.gateway(c, res)
	a.pages(c, res)
	if c.Metrics || c.MetricsAddr != "" {
		a.metrics = newRegistry()
		a.cfg.Registerer = a.metrics
		a.metricsOnMain, a.metricsAddr = c.Metrics, c.MetricsAddr
	}
	if err := a.cfg.Validate(); err != nil {
		explain(err, c, a, res)
	}
	return a
}

// decideMode sets devMode: asked for with --dev, or with no provider and a
// plain-http loopback public URL. Any other start without a provider is an
// error; it reports false then.
func (a *app) decideMode(c *config, res *settings.Result) bool {
	configured := len(c.Providers) > 0 || flaggedConfigured(c)
	if !flaggedConfigured(c) {
		for _, s := range providerSettings(&c.Flagged) {
			if res.IsSet(s.Value.Ptr()) {
				res.Errorf(res.Where(s.Value.Ptr()), "configures the provider given by --issuer (or by an OAuth 2.0 --provider-kind), which is not set")
				break
			}
		}
	}
	switch {
	case c.Dev && configured:
		res.Errorf(res.Where(&c.Dev), "dev mode signs in with the built-in mock provider only; remove it, or remove --issuer and the providers of the YAML file")
	case c.Dev:
		a.devMode = true
	case configured:
	case loopbackHTTP(a.cfg.PublicURL):
		a.devMode = true
	default:
		res.Errorf("", "%s", errNoProvider)
		return false
	}
	return true
}

// flaggedConfigured reports whether the flags configure a provider: --issuer,
// or --provider-kind naming an OAuth 2.0 provider (which has no issuer).
func flaggedConfigured(c *config) bool {
	return c.Flagged.Issuer != "" || rp.IsOAuth2Kind(c.Flagged.Kind)
}

// loopbackHTTP reports whether raw is a plain-http URL on a loopback host.
func loopbackHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return strings.EqualFold(h, "localhost") || ip != nil && ip.IsLoopback()
}

// startDev sets up the embedded mock provider under /mockidp, reached in
// process. It reports false, with the error in res, when there is none.
func (a *app) startDev(res *settings.Result) bool {
	issuer := strings.TrimSuffix(a.cfg.PublicURL, "/") + "/mockidp"
	idp, err := newDevIdP(issuer, a.log.With("component", "mockidp"))
	if err != nil {
		res.Errorf("", "dev mode: %v", strings.TrimPrefix(err.Error(), "mockidp: "))
		return false
	}
	a.devMode, a.devIdP = true, idp
	a.cfg.Providers = []rp.ProviderConfig{{ID: "mock", Name: "Mock IdP", Issuer: issuer, ClientID: "demo", ClientSecret: "demo-secret"}}
	a.cfg.HTTPClient = inProcessClient(issuer, idp)
	return true
}

// providerConfig checks p's client secret and returns what rp gets. flagged
// is the provider --issuer gives.
func providerConfig(p *provider, res *settings.Result, flagged bool) rp.ProviderConfig {
	pc := p.ProviderConfig
	name := func(key, flag string) string {
		if flagged {
			return "--" + flag
		}
		return key
	}
	where := fmt.Sprintf("%s %q", res.Where(&p.Issuer), p.Issuer)
	if !flagged {
		where = providerLabel(res, p, false)
	}
	if flagged {
		pc.ID = "default"
		if pc.Name == "" && !rp.IsOAuth2Kind(pc.Kind) { // the OAuth 2.0 kinds have their own names
			if u, err := url.Parse(pc.Issuer); err == nil && u.Hostname() != "" {
				pc.Name = u.Hostname()
			}
		}
	}
	secretFile := p.ClientSecretFile
	switch {
	case secretFile != "" && pc.ClientSecret != "":
		res.Errorf(res.Where(&p.ClientSecretFile), "set %s or %s, not both", name("client_secret", "client-secret"), name("client_secret_file", "client-secret-file"))
	case secretFile != "":
		s, err := readSecretFile(secretFile)
		if err != nil {
			res.Errorf(fmt.Sprintf("%s %q", res.Where(&p.ClientSecretFile), secretFile), "cannot read the client secret: %v", err)
		}
		pc.ClientSecret = s
	}
	apple := pc.Kind == rp.KindApple && (pc.AppleKeyFile != "" || pc.AppleKeyID != "" || pc.AppleTeamID != "")
	switch {
	case p.PublicClient && (pc.ClientSecret != "" || secretFile != ""):
		res.Errorf(res.Where(&p.PublicClient), "a public client has no secret, but a client secret is set too; remove one of them")
	case p.PublicClient:
		pc.TokenAuth = cmp.Or(pc.TokenAuth, "none")
	case pc.ClientSecret == "" && secretFile == "" && !apple && pc.ClientKeyFile == "":
		res.Errorf(where, "no client secret: set %s (or %s) to the secret the provider gave rp, or %s if the client is public and uses PKCE only",
			name("client_secret_file", "client-secret-file"), name("client_secret", "client-secret"), name("public_client: true", "public-client"))
	}
	return pc
}

// cookieSecrets collects the cookie keys: --cookie-secret, the lines of
// --cookie-secret-file, then cookie_secrets; each must be long enough. given
// reports whether any was set, long enough or not.
func cookieSecrets(c *config, res *settings.Result) (out [][]byte, given bool) {
	given = c.CookieSecret != "" || c.CookieSecretFile != "" || len(c.CookieSecrets) > 0
	check := func(where string, s string) {
		if len(s) < rp.MinCookieSecretLen {
			res.Errorf(where, "a cookie secret of %d bytes, need at least %d; %s", len(s), rp.MinCookieSecretLen, makeSecret)
			return
		}
		out = append(out, []byte(s))
	}
	if c.CookieSecret != "" {
		check(res.Where(&c.CookieSecret), c.CookieSecret)
	}
	if f := c.CookieSecretFile; f != "" {
		s, err := readSecretFile(f)
		if err != nil {
			res.Errorf(fmt.Sprintf("%s %q", res.Where(&c.CookieSecretFile), f), "cannot read the cookie secrets: %v", err)
		}
		for i, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				check(fmt.Sprintf("%s %q line %d", res.Where(&c.CookieSecretFile), f, i+1), line)
			}
		}
	}
	for i, s := range c.CookieSecrets {
		check(fmt.Sprintf("%s[%d]", res.Where(&c.CookieSecrets), i), s)
	}
	return out, given
}

// readSecretFile reads a secret file: trailing newlines are not part of the secret.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", unwrapPath(err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// newSecret is a fresh random cookie secret: 32 random bytes, base64url.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
