package main

// The settings of rp, declared once: flags, RP_* variables, YAML keys,
// --help and docs/configuration.md all come from table below.
//
// To add a setting, add ONE row to the section it belongs in:
//
//	{Flag: "my-flag", YAML: "my_flag", Default: "x", Doc: "what it does", Value: settings.String(&c.RP.MyField)},
//
// Flag is the flag without dashes; the variable is RP_ + the flag in upper
// snake case (set Env only to differ, e.g. a plural); YAML is the key in the
// --config file (dotted for a nested map, "" for none); Default is parsed
// into the field before any source is read (DefaultDoc shows a computed or
// library default instead); Value binds the field it feeds (settings.String,
// Bool, Duration, Int, List, Prefixes, OneOf, Bytes, StringMap, ListMap,
// Items or Func). Bind a field of c.RP (rp.Config) directly when there is
// one; a command-only value gets a field in config. A setting of each
// provider goes in providerSettings: its flag configures the provider given
// by --issuer, its YAML key each item of providers:. Then:
//
//	go generate ./cmd/rp    # rewrites the rp part of docs/configuration.md
//
// and add the setting's row to TestEverySettingPrecedence (settings_test.go),
// which fails until every setting has one.

import (
	"strconv"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/rp"
)

//go:generate go test -run TestConfigurationReference -update .

// config is everything rp reads: the rp.Config it feeds, and what only the
// command uses.
type config struct {
	RP rp.Config

	Addr        string
	File        string // --config
	Dev         bool
	LogFormat   string
	CheckConfig bool
	Version     bool

	Upstream     string
	SessionStore string
	StateDir     string // cookie sessions' sign-outs and logouts, kept across restarts
	Metrics      bool   // /metrics on the main listener
	MetricsAddr  string // /metrics on its own listener

	CookieSecret     string
	CookieSecretFile string
	CookieSecrets    []string // YAML only

	Flagged   provider    // the provider --issuer (or an OAuth 2.0 --provider-kind) configures
	Providers []*provider // the file's

	Access           rp.Rule    // --email-domains, --allowed-emails, --allowed-groups: a rule for every path
	Rules            []*rp.Rule // the file's rules
	AssertionKeyFile string

	LogoFile string // --logo-file: put inline as a data: URL
}

// provider is one provider as configured; ProviderConfig is what rp gets.
type provider struct {
	rp.ProviderConfig
	ClientSecretFile string
	PublicClient     bool
}

const defaultAddr = "127.0.0.1:8080"

const usage = `Usage: rp [flags]
       rp secret                            print a new random cookie secret
       rp healthcheck [--addr host:port]    check a running rp's /healthz
       rp version

rp signs people in with an OpenID Provider. Every flag can also be set as
RP_ + its name in upper snake case (RP_CLIENT_ID), and most in the YAML file
named by --config; a flag wins over its variable, a variable over the file.
With no provider and a plain-http loopback --public-url (the default), or
with --dev, rp runs a mock provider under /mockidp. The full reference is
docs/configuration.md.`

// table declares every setting of rp, bound to c.
func table(c *config) *settings.Table {
	r := &c.RP
	return &settings.Table{Program: "rp", EnvPrefix: "RP_", Usage: usage, Root: c, ConfigFile: &c.File,
		Sections: []settings.Section{
			{Title: "Server", Settings: []settings.Setting{
				{Flag: "addr", YAML: "addr", Default: defaultAddr, Doc: "listen address", Value: settings.String(&c.Addr)},
				{Flag: "public-url", YAML: "public_url", DefaultDoc: "http:// + addr",
					Doc: "the URL people reach rp at: https, or plain http on a loopback host", Value: settings.String(&r.PublicURL)},
				{Flag: "config", Doc: "YAML file with any setting below, several providers included", Value: settings.String(&c.File)},
				{Flag: "dev", YAML: "dev", DefaultDoc: "on with no provider and a plain-http loopback public URL",
					Doc: "run the embedded mock provider under /mockidp (development only)", Value: settings.Bool(&c.Dev)},
				{Flag: "upstream", YAML: "upstream", DefaultDoc: "none: rp's own pages",
					Doc: "reverse proxy mode: the URL of the app behind rp", Value: settings.String(&c.Upstream)},
				{Flag: "session-store", YAML: "session_store", Default: "cookie",
					Doc:   "cookie, or a Redis URL shared by every replica: redis://, rediss:// (TLS), redis+sentinel://, redis+cluster://",
					Value: settings.String(&c.SessionStore)},
				{Flag: "state-dir", YAML: "state_dir", DefaultDoc: "none: in memory, forgotten at a restart",
					Doc:   "directory (created 0700) where sign-outs and logouts of cookie sessions are kept, so they survive a restart; processes on one host may share it",
					Value: settings.String(&c.StateDir)},
				{Flag: "log-format", YAML: "log_format", Default: "text", Doc: "log line format", Value: settings.OneOf(&c.LogFormat, "text", "json")},
				{Flag: "check-config", Env: "-", Doc: "check the configuration (files and providers included), print every problem and exit", Value: settings.Bool(&c.CheckConfig)},
				{Flag: "version", Env: "-", Doc: "print the version and exit", Value: settings.Bool(&c.Version)},
			}},
			{Title: "Cookie secrets", Settings: []settings.Setting{
				{Flag: "cookie-secret", DefaultDoc: "dev mode: random at each start",
					Doc: `a cookie key of at least 32 bytes ("rp secret" prints one); prefer --cookie-secret-file`, Value: settings.String(&c.CookieSecret), Secret: true},
				{Flag: "cookie-secret-file", YAML: "cookie_secret_file",
					Doc: "file with cookie keys, one per line: the first encodes, all decode (rotation)", Value: settings.String(&c.CookieSecretFile)},
				{YAML: "cookie_secrets", Doc: "cookie keys in the file itself; prefer cookie_secret_file", Value: settings.List(&c.CookieSecrets), Secret: true},
			}},
			{Title: "Sessions and tokens", Settings: []settings.Setting{
				{Flag: "idle-timeout", YAML: "idle_timeout", Default: settings.FormatDuration(rp.DefaultIdleTimeout),
					Doc: "end sessions unused for this long", Value: settings.Duration(&r.IdleTimeout)},
				{Flag: "absolute-lifetime", YAML: "absolute_lifetime", Default: settings.FormatDuration(rp.DefaultAbsoluteLifetime),
					Doc: "end sessions this long after sign-in, whatever happens", Value: settings.Duration(&r.AbsoluteLifetime)},
				{Flag: "clock-skew", YAML: "clock_skew", Default: settings.FormatDuration(rp.DefaultClockSkew),
					Doc: "leeway for token times, at most 5m", Value: settings.Duration(&r.ClockSkew)},
				{Flag: "max-token-age", YAML: "max_token_age", Default: settings.FormatDuration(rp.DefaultMaxTokenAge),
					Doc: "refuse ID tokens issued (iat) longer ago", Value: settings.Duration(&r.MaxTokenAge)},
				{Flag: "refresh-before", YAML: "refresh_before", Default: settings.FormatDuration(rp.DefaultRefreshBefore),
					Doc: "refresh access tokens this long before they expire", Value: settings.Duration(&r.RefreshBefore)},
				{Flag: "login-ttl", YAML: "login_ttl", Default: settings.FormatDuration(rp.DefaultLoginTTL),
					Doc: "how long a sign-in at the provider may take", Value: settings.Duration(&r.LoginTTL)},
				{Flag: "max-login-attempts", YAML: "max_login_attempts", Default: strconv.Itoa(rp.DefaultMaxLoginAttempts),
					Doc: "sign-ins in flight per browser", Value: settings.Int(&r.MaxLoginAttempts)},
				{Flag: "jwks-cooldown", YAML: "jwks_cooldown", Default: settings.FormatDuration(rp.DefaultJWKSCooldown),
					Doc: "least time between key set refetches caused by an unknown key", Value: settings.Duration(&r.JWKSCooldown)},
				{Flag: "key-refresh-interval", YAML: "key_refresh_interval", Default: settings.FormatDuration(rp.DefaultKeyRefreshInterval),
					Doc: "refetch key sets this often, so withdrawn keys stop working", Value: settings.Duration(&r.KeyRefreshInterval)},
				{Flag: "metadata-refresh-interval", YAML: "metadata_refresh_interval", Default: settings.FormatDuration(rp.DefaultMetadataRefreshInterval),
					Doc: "run discovery again this often", Value: settings.Duration(&r.MetadataRefreshInterval)},
			}},
			{Title: "Pages", Settings: []settings.Setting{
				{Flag: "app-name", YAML: "app_name", DefaultDoc: "the public URL's host",
					Doc: "the app's name in the header and tab title of rp's pages", Value: settings.String(&r.Pages.AppName)},
				{Flag: "logo", YAML: "logo", Doc: "logo beside the name: an https:// URL, a path on this site (/logo.png) or a data:image/...;base64 URL",
					Value: settings.String(&r.Pages.LogoURL)},
				{Flag: "logo-file", YAML: "logo_file", Doc: "image file (.png .jpg .gif .webp .svg, at most 96 KiB) shown inline as the logo",
					Value: settings.String(&c.LogoFile)},
				{Flag: "accent-color", YAML: "accent_color", DefaultDoc: "blue", Doc: "colour of buttons and links: #rgb or #rrggbb",
					Value: settings.String(&r.Pages.AccentColor)},
				{Flag: "templates-dir", YAML: "templates_dir", Doc: "directory with style.css and messages.<language>.json overriding the pages (docs/pages.md)",
					Value: settings.String(&r.Pages.TemplatesDir)},
			}},
			{Title: "Metrics", Settings: []settings.Setting{
				{Flag: "metrics", YAML: "metrics", Doc: "serve Prometheus metrics at /metrics on the main listener (anyone who reaches rp can read them)",
					Value: settings.Bool(&c.Metrics)},
				{Flag: "metrics-addr", YAML: "metrics_addr", DefaultDoc: "none",
					Doc: "serve /metrics on this address instead, e.g. 127.0.0.1:9090", Value: settings.String(&c.MetricsAddr)},
			}},
			{Title: "Gateway", Settings: []settings.Setting{
				{Flag: "trusted-proxies", YAML: "trusted_proxies", DefaultDoc: "loopback only",
					Doc: "CIDRs or IPs whose X-Forwarded-*, X-Original-* and Forwarded headers are believed", Value: settings.Prefixes(&r.Gateway.TrustedProxies)},
				{Flag: "allowed-redirect-hosts", YAML: "allowed_redirect_hosts", DefaultDoc: "this site only",
					Doc: "other hosts a sign-in may return to: host, host:port, or *.example.com for every subdomain", Value: settings.List(&r.Gateway.AllowedRedirectHosts)},
				{Flag: "cookie-domain", YAML: "cookie_domain", DefaultDoc: "host-only cookies",
					Doc: "one sign-in for every host under this domain (example.com): cookies get Domain and the __Secure- prefix; the public URL must be under it", Value: settings.String(&r.Gateway.CookieDomain)},
				{Flag: "forward-auth-redirect", YAML: "forward_auth_redirect",
					Doc: "/auth/verify redirects signed-out navigations to sign in instead of answering 401", Value: settings.Bool(&r.Gateway.ForwardAuthRedirect)},
				{Flag: "api-path-prefixes", YAML: "api_path_prefixes",
					Doc: "paths whose signed-out requests get 401 JSON, never a redirect", Value: settings.List(&r.Gateway.APIPathPrefixes)},
				{Flag: "public-route", Env: "RP_PUBLIC_ROUTES", YAML: "public_routes",
					Doc:   `requests that pass without a session: "[METHOD ]PATH", PATH exact (/healthz), a prefix ending in / or * (/static/) or ~REGEX (anchored); repeat the flag or separate with commas; YAML items may also be maps {methods, path, prefix, regex, host}`,
					Value: settings.ListFunc(&r.Gateway.PublicRoutes, "route", parsePublicRoutes, publicRouteItem)},
				{Flag: "public-cors-preflight", YAML: "public_cors_preflight",
					Doc: "let CORS preflights (OPTIONS with Origin and Access-Control-Request-Method) pass without a session", Value: settings.Bool(&r.Gateway.PublicCORSPreflight)},
				{Flag: "pass-access-token", YAML: "pass_access_token",
					Doc: "send the access token upstream as Authorization: Bearer", Value: settings.Bool(&r.Gateway.PassAccessToken)},
				{Flag: "email-domains", YAML: "email_domains",
					Doc: "allow only verified emails at these domains (.example.com: its subdomains)", Value: settings.List(&c.Access.EmailDomains)},
				{Flag: "allowed-emails", YAML: "allowed_emails", Doc: "allow only these verified emails", Value: settings.List(&c.Access.Emails)},
				{Flag: "allowed-groups", YAML: "allowed_groups", Doc: "allow only members of one of these groups", Value: settings.List(&c.Access.Groups)},
				{YAML: "rules", Doc: "access rules per path prefix or provider; every rule that covers a request must allow it",
					Value: settings.Items(&c.Rules, ruleSettings)},
				{Flag: "assertion", YAML: "assertion.enabled",
					Doc: "send a signed identity JWT (X-Foyer-Assertion) upstream and from /auth/verify", Value: settings.Bool(&r.Gateway.Assertion.Enabled)},
				{Flag: "assertion-audience", YAML: "assertion.audience", DefaultDoc: "the public URL",
					Doc: "aud of the assertion", Value: settings.String(&r.Gateway.Assertion.Audience)},
				{Flag: "assertion-key-file", YAML: "assertion.key_file", DefaultDoc: "a new key at each start",
					Doc: "PEM P-256 private key signing the assertion; give every replica the same", Value: settings.String(&c.AssertionKeyFile)},
				{Flag: "assertion-lifetime", YAML: "assertion.lifetime", Default: settings.FormatDuration(rp.DefaultAssertionLifetime),
					Doc: "how long an assertion is valid, 10s to 10m", Value: settings.Duration(&r.Gateway.Assertion.Lifetime)},
			}},
			{Title: "Providers", Settings: []settings.Setting{
				{YAML: "providers", DefaultDoc: "the one --issuer gives",
					Doc: "the OpenID Providers people sign in with; --issuer adds one more", Value: settings.Items(&c.Providers, providerSettings)},
			}},
			{Title: "The provider given by --issuer", Settings: settings.Under("providers", providerSettings(&c.Flagged)...)},
		}}
}

// providerSettings are the settings of one provider: in the YAML file, the
// keys of each item of providers:; as flags, the provider --issuer gives.
func providerSettings(p *provider) []settings.Setting {
	return []settings.Setting{
		{YAML: "id", DefaultDoc: "--issuer: default", Doc: "the provider's id in URLs (?provider=) and sessions: lowercase letters, digits, - and _",
			Value: settings.String(&p.ID)},
		{Flag: "provider-name", YAML: "name", DefaultDoc: "the issuer's host",
			Doc: "the provider's name on rp's pages", Value: settings.String(&p.Name)},
		{Flag: "issuer", YAML: "issuer", Doc: "the exact issuer URL", Value: settings.String(&p.Issuer)},
		{Flag: "client-id", YAML: "client_id", Doc: "rp's client id at the provider", Value: settings.String(&p.ClientID)},
		{Flag: "client-secret", YAML: "client_secret", Doc: "the client secret; prefer the file", Value: settings.String(&p.ClientSecret), Secret: true},
		{Flag: "client-secret-file", YAML: "client_secret_file", Doc: "file holding the client secret", Value: settings.String(&p.ClientSecretFile)},
		{Flag: "public-client", YAML: "public_client",
			Doc: "the client has no secret and proves itself with PKCE only; without it a missing secret is an error", Value: settings.Bool(&p.PublicClient)},
		{Flag: "scopes", YAML: "scopes", DefaultDoc: "openid profile email (apple: openid name email)",
			Doc: "scopes to request; openid is added when missing", Value: settings.List(&p.Scopes)},
		{YAML: "auth_params", Doc: "extra authorization request parameters (prompt, access_type, ...)", Value: settings.StringMap(&p.AuthParams)},
		{Flag: "form-post", YAML: "form_post", Doc: "ask for response_mode=form_post", Value: settings.Bool(&p.FormPost)},
		{Flag: "token-auth", YAML: "token_auth", DefaultDoc: "private_key_jwt with a client key, none without a secret, else client_secret_basic unless only post is advertised",
			Doc: "token endpoint authentication: client_secret_basic, client_secret_post, private_key_jwt or none", Value: settings.String(&p.TokenAuth)},
		{Flag: "client-key-file", YAML: "client_key_file", DefaultDoc: "none",
			Doc: "private_key_jwt: PEM private key that signs rp's client assertions (instead of a client secret)", Value: settings.String(&p.ClientKeyFile)},
		{Flag: "client-key-id", YAML: "client_key_id", DefaultDoc: "no kid",
			Doc: "private_key_jwt: the kid of the client key's public half at the provider", Value: settings.String(&p.ClientKeyID)},
		{Flag: "client-key-alg", YAML: "client_key_alg", DefaultDoc: "RS256 for RSA, ES256/384/512 by curve, EdDSA",
			Doc: "private_key_jwt: the signing algorithm", Value: settings.String(&p.ClientKeyAlg)},
		{Flag: "skip-userinfo", YAML: "skip_userinfo", Doc: "do not call the userinfo endpoint after sign-in", Value: settings.Bool(&p.SkipUserInfo)},
		{Flag: "trusted-audiences", YAML: "trusted_audiences",
			Doc: "audiences besides the client id an ID token may name (azp must then be the client id)", Value: settings.List(&p.TrustedAudiences)},
		{Flag: "insecure-allow-http-issuer", YAML: "insecure_allow_http",
			Doc: "accept a plain-http issuer on a non-loopback host (containers); MUST NOT be used in production", Value: settings.Bool(&p.InsecureAllowHTTP)},
		{Flag: "provider-kind", YAML: "kind", DefaultDoc: "a conformant provider",
			Doc:   "switch on an OpenID Provider's quirks (entra, google, apple, keycloak), or sign in with an OAuth 2.0 provider (github, naver, kakao, discord, facebook, x, oauth2; no --issuer then)",
			Value: settings.String(&p.Kind)},
		{Flag: "provider-base-url", YAML: "base_url", DefaultDoc: "the provider's own hosts",
			Doc: "github, naver, kakao, discord, facebook, x: another host (GitHub Enterprise Server, a mock)", Value: settings.String(&p.BaseURL)},
		{Flag: "authorization-url", YAML: "authorization_url", Doc: "oauth2: the authorization endpoint (replaces a preset's)",
			Value: settings.String(&p.AuthorizationURL)},
		{Flag: "token-url", YAML: "token_url", Doc: "oauth2: the token endpoint (replaces a preset's)", Value: settings.String(&p.TokenURL)},
		{Flag: "userinfo-url", YAML: "userinfo_url", Doc: "oauth2: the user-info endpoint that says who the token belongs to (replaces a preset's)",
			Value: settings.String(&p.UserInfoURL)},
		{Flag: "claim-sub", YAML: "claims.sub", Doc: "oauth2: path of the user's id in the user-info answer (dotted: response.id)",
			Value: settings.String(&p.ClaimMapping.Subject)},
		{Flag: "claim-email", YAML: "claims.email", Doc: "oauth2: path of the email", Value: settings.String(&p.ClaimMapping.Email)},
		{Flag: "claim-email-verified", YAML: "claims.email_verified",
			Doc: "oauth2: paths (comma-separated) that must all be true for the email to count", Value: settings.String(&p.ClaimMapping.EmailVerified)},
		{Flag: "claim-name", YAML: "claims.name", Doc: "oauth2: path of the name", Value: settings.String(&p.ClaimMapping.Name)},
		{Flag: "claim-preferred-username", YAML: "claims.preferred_username", Doc: "oauth2: path of the user name",
			Value: settings.String(&p.ClaimMapping.PreferredUsername)},
		{Flag: "claim-groups", YAML: "claims.groups", Doc: "oauth2: path of the groups (a list of strings)", Value: settings.String(&p.ClaimMapping.Groups)},
		{Flag: "claim-picture", YAML: "claims.picture", Doc: "oauth2: path of the picture URL", Value: settings.String(&p.ClaimMapping.Picture)},
		{Flag: "trust-email", YAML: "trust_email",
			Doc:   "naver, facebook, oauth2: count the provider's email as verified; only for a provider that verifies every address",
			Value: settings.Bool(&p.TrustEmail)},
		{Flag: "disable-pkce", YAML: "disable_pkce", Doc: "oauth2: leave PKCE out (a provider that refuses it)", Value: settings.Bool(&p.DisablePKCE)},
		{Flag: "github-orgs", YAML: "orgs", Doc: "github: only members of these organisations (needs read:org, requested then)",
			Value: settings.List(&p.Orgs)},
		{Flag: "github-teams", YAML: "teams", Doc: "github: only members of these teams (org/team-slug)", Value: settings.List(&p.Teams)},
		{Flag: "graph-url", YAML: "graph_url",
			Doc:   "entra: resolve the groups overage (over 200 groups) at this Microsoft Graph (https://graph.microsoft.com); the token needs GroupMember.Read.All",
			Value: settings.String(&p.GraphURL)},
		{Flag: "tenants", YAML: "tenants", Doc: "entra: tenant ids allowed to sign in", Value: settings.List(&p.Tenants)},
		{Flag: "hosted-domain", YAML: "hosted_domain", Doc: "google: the Workspace domain people must belong to (hd)", Value: settings.String(&p.HostedDomain)},
		{Flag: "groups-claim", YAML: "groups_claim", DefaultDoc: "groups (keycloak: realm_access.roles)",
			Doc: "dotted claim path(s) groups come from, comma-separated", Value: settings.String(&p.GroupsClaim)},
		{Flag: "bearer", YAML: "bearer.enabled",
			Doc: "accept this provider's tokens from API clients (Authorization: Bearer) through the proxy and /auth/verify", Value: settings.Bool(&p.Bearer.Enabled)},
		{Flag: "bearer-audiences", YAML: "bearer.audiences", DefaultDoc: "the client id",
			Doc: "aud values a bearer token may name (any of them)", Value: settings.List(&p.Bearer.Audiences)},
		{Flag: "bearer-scopes", YAML: "bearer.scopes", Doc: "scopes a bearer token must all grant", Value: settings.List(&p.Bearer.Scopes)},
		{Flag: "bearer-types", YAML: "bearer.types", DefaultDoc: "at+jwt",
			Doc: "JWT typ headers accepted; JWT also accepts ID tokens (and no typ)", Value: settings.List(&p.Bearer.Types)},
		{Flag: "bearer-introspection", YAML: "bearer.introspection", DefaultDoc: "off: JWTs only",
			Doc: "opaque: send tokens that are not JWTs to the provider's RFC 7662 introspection endpoint; all: every token", Value: settings.String(&p.Bearer.Introspection)},
		{Flag: "bearer-introspection-url", YAML: "bearer.introspection_url", DefaultDoc: "introspection_endpoint of discovery",
			Doc: "the introspection endpoint", Value: settings.String(&p.Bearer.IntrospectionURL)},
		{Flag: "bearer-introspection-cache-ttl", YAML: "bearer.introspection_cache_ttl", DefaultDoc: settings.FormatDuration(rp.DefaultIntrospectionCacheTTL),
			Doc: "reuse an introspection answer this long at most (never past the token's exp), up to 10m", Value: settings.Duration(&p.Bearer.IntrospectionCacheTTL)},
		{Flag: "bearer-introspection-timeout", YAML: "bearer.introspection_timeout", DefaultDoc: settings.FormatDuration(rp.DefaultIntrospectionTimeout),
			Doc: "past this an introspection call fails and the request gets 503", Value: settings.Duration(&p.Bearer.IntrospectionTimeout)},
		{Flag: "apple-team-id", YAML: "apple_team_id", Doc: "apple: team id (iss of the minted client secret)", Value: settings.String(&p.AppleTeamID)},
		{Flag: "apple-key-id", YAML: "apple_key_id", Doc: "apple: key id of the .p8 key", Value: settings.String(&p.AppleKeyID)},
		{Flag: "apple-key-file", YAML: "apple_key_file", Doc: "apple: the .p8 private key the client secret is minted with", Value: settings.String(&p.AppleKeyFile)},
	}
}

// ruleSettings are the keys of each item of rules (see rp.Rule).
func ruleSettings(r *rp.Rule) []settings.Setting {
	return []settings.Setting{
		{YAML: "path_prefix", DefaultDoc: "every path", Doc: "paths the rule covers", Value: settings.String(&r.PathPrefix)},
		{YAML: "provider", DefaultDoc: "every provider", Doc: "the provider id whose users the rule covers", Value: settings.String(&r.Provider)},
		{YAML: "email_domains", Doc: "allow verified emails at these domains", Value: settings.List(&r.EmailDomains)},
		{YAML: "emails", Doc: "allow these verified emails", Value: settings.List(&r.Emails)},
		{YAML: "groups", Doc: "allow members of one of these groups", Value: settings.List(&r.Groups)},
		{YAML: "claims", Doc: "claim path: allowed values; the claim must equal or contain one", Value: settings.ListMap(&r.Claims)},
		{YAML: "allow_unverified_email", Doc: "accept emails the provider does not say are verified; MUST NOT be set for public providers",
			Value: settings.Bool(&r.AllowUnverifiedEmail)},
	}
}
