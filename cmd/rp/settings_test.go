package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/settings"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's rp block and testdata/*.golden")

// prec is one setting in TestEverySettingPrecedence.
type prec struct {
	name               string // the flag, else the YAML key: every setting of the table needs a row
	flag, env, yaml    string // "--addr", "RP_ADDR", "addr: %s" ("" when the setting has none)
	flagV, envV, yamlV string // the values given
	get                func(*config) any
	getFile            func(*config) any // for a provider's setting: its value in providers[0]; nil: get
	// fmt.Sprint of the field after: flag+env+file, env+file, file, nothing.
	wantFlag, wantEnv, wantFile, wantDefault string
}

func flagged(f func(p *provider) any) func(*config) any {
	return func(c *config) any { return f(&c.Flagged) }
}

func firstFile(f func(p *provider) any) func(*config) any {
	return func(c *config) any {
		if len(c.Providers) == 0 {
			return "no provider"
		}
		return f(c.Providers[0])
	}
}

// TestEverySettingPrecedence checks, for every setting, that a flag beats its
// variable, the variable beats the YAML file, and the file beats the
// default. A provider's flag sets the provider of --issuer and its YAML key
// each item of providers:, so for those the file case reads providers[0].
// The test fails while a setting of the table has no row here.
func TestEverySettingPrecedence(t *testing.T) {
	t.Parallel()
	p := func(name, yamlKey, flagV, envV, yamlV string, f func(*provider) any, wants ...string) prec {
		flag, env := "", ""
		if name != yamlKey {
			flag, env = "--"+name, settings.EnvName("RP_", name)
		}
		return prec{name: name, flag: flag, env: env, yaml: "providers: [{" + yamlKey + ": %s}]", flagV: flagV, envV: envV, yamlV: yamlV,
			get: flagged(f), getFile: firstFile(f), wantFlag: wants[0], wantEnv: wants[1], wantFile: wants[2], wantDefault: wants[3]}
	}
	// bearer is p for a bearer.<key> setting, nested in the YAML file.
	bearer := func(name, key, flagV, envV, yamlV string, f func(*provider) any, wants ...string) prec {
		r := p(name, "bearer."+key, flagV, envV, yamlV, f, wants...)
		r.yaml = "providers: [{bearer: {" + key + ": %s}}]"
		return r
	}
	// claim is p for a claims.<key> setting, nested in the YAML file.
	claim := func(name, key string, f func(*provider) any) prec {
		r := p(name, "claims."+key, "f."+key, "e."+key, "y."+key, f, "f."+key, "e."+key, "y."+key, "")
		r.yaml = "providers: [{claims: {" + key + ": %s}}]"
		return r
	}
	rows := []prec{
		{"addr", "--addr", "RP_ADDR", "addr: %s", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", func(c *config) any { return c.Addr }, nil,
			"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:8080"},
		{"public-url", "--public-url", "RP_PUBLIC_URL", "public_url: %s", "https://f", "https://e", "https://y", func(c *config) any { return c.RP.PublicURL }, nil,
			"https://f", "https://e", "https://y", ""},
		{"config", "--config", "RP_CONFIG", "", "f.yaml", "e.yaml", "", func(c *config) any { return c.File }, nil, "f.yaml", "e.yaml", "", ""},
		{"dev", "--dev", "RP_DEV", "dev: %s", "true", "false", "true", func(c *config) any { return c.Dev }, nil, "true", "false", "true", "false"},
		{"upstream", "--upstream", "RP_UPSTREAM", "upstream: %s", "http://f", "http://e", "http://y", func(c *config) any { return c.Upstream }, nil,
			"http://f", "http://e", "http://y", ""},
		{"session-store", "--session-store", "RP_SESSION_STORE", "session_store: %s", "redis://f", "redis://e", "redis://y",
			func(c *config) any { return c.SessionStore }, nil, "redis://f", "redis://e", "redis://y", "cookie"},
		{"state-dir", "--state-dir", "RP_STATE_DIR", "state_dir: %s", "/f", "/e", "/y", func(c *config) any { return c.StateDir }, nil, "/f", "/e", "/y", ""},
		{"log-format", "--log-format", "RP_LOG_FORMAT", "log_format: %s", "json", "text", "json", func(c *config) any { return c.LogFormat }, nil,
			"json", "text", "json", "text"},
		{"check-config", "--check-config", "", "", "true", "", "", func(c *config) any { return c.CheckConfig }, nil, "true", "", "", "false"},
		{"version", "--version", "", "", "true", "", "", func(c *config) any { return c.Version }, nil, "true", "", "", "false"},
		{"cookie-secret", "--cookie-secret", "RP_COOKIE_SECRET", "", "flag-secret", "env-secret", "", func(c *config) any { return c.CookieSecret }, nil,
			"flag-secret", "env-secret", "", ""},
		{"cookie-secret-file", "--cookie-secret-file", "RP_COOKIE_SECRET_FILE", "cookie_secret_file: %s", "f.txt", "e.txt", "y.txt",
			func(c *config) any { return c.CookieSecretFile }, nil, "f.txt", "e.txt", "y.txt", ""},
		{"cookie_secrets", "", "", "cookie_secrets: %s", "", "", "[a, b]", func(c *config) any { return c.CookieSecrets }, nil, "", "", "[a b]", "[]"},
		{"idle-timeout", "--idle-timeout", "RP_IDLE_TIMEOUT", "idle_timeout: %s", "1m", "2m", "3m", func(c *config) any { return c.RP.IdleTimeout }, nil,
			"1m0s", "2m0s", "3m0s", "1h0m0s"},
		{"absolute-lifetime", "--absolute-lifetime", "RP_ABSOLUTE_LIFETIME", "absolute_lifetime: %s", "1h", "2h", "3h",
			func(c *config) any { return c.RP.AbsoluteLifetime }, nil, "1h0m0s", "2h0m0s", "3h0m0s", "12h0m0s"},
		{"clock-skew", "--clock-skew", "RP_CLOCK_SKEW", "clock_skew: %s", "10s", "20s", "30s", func(c *config) any { return c.RP.ClockSkew }, nil,
			"10s", "20s", "30s", "1m0s"},
		{"max-token-age", "--max-token-age", "RP_MAX_TOKEN_AGE", "max_token_age: %s", "2h", "3h", "4h", func(c *config) any { return c.RP.MaxTokenAge }, nil,
			"2h0m0s", "3h0m0s", "4h0m0s", "1h0m0s"},
		{"refresh-before", "--refresh-before", "RP_REFRESH_BEFORE", "refresh_before: %s", "2m", "3m", "4m", func(c *config) any { return c.RP.RefreshBefore }, nil,
			"2m0s", "3m0s", "4m0s", "1m0s"},
		{"login-ttl", "--login-ttl", "RP_LOGIN_TTL", "login_ttl: %s", "2m", "3m", "4m", func(c *config) any { return c.RP.LoginTTL }, nil,
			"2m0s", "3m0s", "4m0s", "10m0s"},
		{"max-login-attempts", "--max-login-attempts", "RP_MAX_LOGIN_ATTEMPTS", "max_login_attempts: %s", "7", "8", "9",
			func(c *config) any { return c.RP.MaxLoginAttempts }, nil, "7", "8", "9", "5"},
		{"jwks-cooldown", "--jwks-cooldown", "RP_JWKS_COOLDOWN", "jwks_cooldown: %s", "1m", "2m", "3m", func(c *config) any { return c.RP.JWKSCooldown }, nil,
			"1m0s", "2m0s", "3m0s", "30s"},
		{"key-refresh-interval", "--key-refresh-interval", "RP_KEY_REFRESH_INTERVAL", "key_refresh_interval: %s", "2h", "3h", "4h",
			func(c *config) any { return c.RP.KeyRefreshInterval }, nil, "2h0m0s", "3h0m0s", "4h0m0s", "1h0m0s"},
		{"metadata-refresh-interval", "--metadata-refresh-interval", "RP_METADATA_REFRESH_INTERVAL", "metadata_refresh_interval: %s", "2h", "3h", "4h",
			func(c *config) any { return c.RP.MetadataRefreshInterval }, nil, "2h0m0s", "3h0m0s", "4h0m0s", "24h0m0s"},
		{"app-name", "--app-name", "RP_APP_NAME", "app_name: %s", "F", "E", "Y", func(c *config) any { return c.RP.Pages.AppName }, nil, "F", "E", "Y", ""},
		{"logo", "--logo", "RP_LOGO", "logo: %s", "/f.png", "/e.png", "/y.png", func(c *config) any { return c.RP.Pages.LogoURL }, nil,
			"/f.png", "/e.png", "/y.png", ""},
		{"logo-file", "--logo-file", "RP_LOGO_FILE", "logo_file: %s", "f.png", "e.png", "y.png", func(c *config) any { return c.LogoFile }, nil,
			"f.png", "e.png", "y.png", ""},
		{"accent-color", "--accent-color", "RP_ACCENT_COLOR", "accent_color: %s", "#111", "#222", "'#333'", func(c *config) any { return c.RP.Pages.AccentColor }, nil,
			"#111", "#222", "#333", ""},
		{"templates-dir", "--templates-dir", "RP_TEMPLATES_DIR", "templates_dir: %s", "/f", "/e", "/y", func(c *config) any { return c.RP.Pages.TemplatesDir }, nil,
			"/f", "/e", "/y", ""},
		{"metrics", "--metrics", "RP_METRICS", "metrics: %s", "true", "false", "true", func(c *config) any { return c.Metrics }, nil, "true", "false", "true", "false"},
		{"metrics-addr", "--metrics-addr", "RP_METRICS_ADDR", "metrics_addr: %s", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3",
			func(c *config) any { return c.MetricsAddr }, nil, "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", ""},
		{"trusted-proxies", "--trusted-proxies", "RP_TRUSTED_PROXIES", "trusted_proxies: %s", "10.0.0.0/8", "192.0.2.1", "[10.1.2.3/16]",
			func(c *config) any { return c.RP.Gateway.TrustedProxies }, nil, "[10.0.0.0/8]", "[192.0.2.1/32]", "[10.1.0.0/16]", "[]"},
		{"allowed-redirect-hosts", "--allowed-redirect-hosts", "RP_ALLOWED_REDIRECT_HOSTS", "allowed_redirect_hosts: %s", "a.test,b.test", "c.test", "[d.test]",
			func(c *config) any { return c.RP.Gateway.AllowedRedirectHosts }, nil, "[a.test b.test]", "[c.test]", "[d.test]", "[]"},
		{"cookie-domain", "--cookie-domain", "RP_COOKIE_DOMAIN", "cookie_domain: %s", "f.test", "e.test", "y.test",
			func(c *config) any { return c.RP.Gateway.CookieDomain }, nil, "f.test", "e.test", "y.test", ""},
		{"forward-auth-redirect", "--forward-auth-redirect", "RP_FORWARD_AUTH_REDIRECT", "forward_auth_redirect: %s", "true", "false", "true",
			func(c *config) any { return c.RP.Gateway.ForwardAuthRedirect }, nil, "true", "false", "true", "false"},
		{"api-path-prefixes", "--api-path-prefixes", "RP_API_PATH_PREFIXES", "api_path_prefixes: %s", "/f/", "/e/", "[/y/]",
			func(c *config) any { return c.RP.Gateway.APIPathPrefixes }, nil, "[/f/]", "[/e/]", "[/y/]", "[]"},
		{"public-route", "--public-route", "RP_PUBLIC_ROUTES", "public_routes: %s", "GET /a", "/b/, ~/c{1,2}", "[/d, {methods: [POST], prefix: /e/, host: '*.x.test'}]",
			func(c *config) any { return fmt.Sprint(c.RP.Gateway.PublicRoutes) }, nil,
			"[GET /a]", "[/b/ ~/c{1,2}]", "[/d POST /e/ on *.x.test]", "[]"},
		{"public-cors-preflight", "--public-cors-preflight", "RP_PUBLIC_CORS_PREFLIGHT", "public_cors_preflight: %s", "true", "false", "true",
			func(c *config) any { return c.RP.Gateway.PublicCORSPreflight }, nil, "true", "false", "true", "false"},
		{"pass-access-token", "--pass-access-token", "RP_PASS_ACCESS_TOKEN", "pass_access_token: %s", "true", "false", "true",
			func(c *config) any { return c.RP.Gateway.PassAccessToken }, nil, "true", "false", "true", "false"},
		{"email-domains", "--email-domains", "RP_EMAIL_DOMAINS", "email_domains: %s", "f.test", "e.test", "[y.test]",
			func(c *config) any { return c.Access.EmailDomains }, nil, "[f.test]", "[e.test]", "[y.test]", "[]"},
		{"allowed-emails", "--allowed-emails", "RP_ALLOWED_EMAILS", "allowed_emails: %s", "f@x.test", "e@x.test", "[y@x.test]",
			func(c *config) any { return c.Access.Emails }, nil, "[f@x.test]", "[e@x.test]", "[y@x.test]", "[]"},
		{"allowed-groups", "--allowed-groups", "RP_ALLOWED_GROUPS", "allowed_groups: %s", "f", "e", "[y]",
			func(c *config) any { return c.Access.Groups }, nil, "[f]", "[e]", "[y]", "[]"},
		{"rules", "", "", "rules: %s", "", "", "[{path_prefix: /a, groups: [g], claims: {r: x}, allow_unverified_email: true}]",
			func(c *config) any {
				if c.Rules == nil {
					return "nil"
				}
				return *c.Rules[0]
			}, nil, "", "", "{/a  [] [] [g] map[r:[x]] true}", "nil"},
		{"assertion", "--assertion", "RP_ASSERTION", "assertion: {enabled: %s}", "true", "false", "true",
			func(c *config) any { return c.RP.Gateway.Assertion.Enabled }, nil, "true", "false", "true", "false"},
		{"assertion-audience", "--assertion-audience", "RP_ASSERTION_AUDIENCE", "assertion: {audience: %s}", "f", "e", "y",
			func(c *config) any { return c.RP.Gateway.Assertion.Audience }, nil, "f", "e", "y", ""},
		{"assertion-key-file", "--assertion-key-file", "RP_ASSERTION_KEY_FILE", "assertion: {key_file: %s}", "f.pem", "e.pem", "y.pem",
			func(c *config) any { return c.AssertionKeyFile }, nil, "f.pem", "e.pem", "y.pem", ""},
		{"assertion-lifetime", "--assertion-lifetime", "RP_ASSERTION_LIFETIME", "assertion: {lifetime: %s}", "20s", "30s", "40s",
			func(c *config) any { return c.RP.Gateway.Assertion.Lifetime }, nil, "20s", "30s", "40s", "1m0s"},
		{"providers", "", "", "providers: %s", "", "", "[{id: a, issuer: https://a.test}, {id: b}]",
			func(c *config) any {
				if c.Providers == nil {
					return "nil"
				}
				return fmt.Sprintf("%d %s %s %s", len(c.Providers), c.Providers[0].ID, c.Providers[0].Issuer, c.Providers[1].ID)
			}, nil, "", "", "2 a https://a.test b", "nil"},
		p("id", "id", "", "", "corp", func(p *provider) any { return p.ID }, "", "", "corp", ""),
		p("provider-name", "name", "F", "E", "Y", func(p *provider) any { return p.Name }, "F", "E", "Y", ""),
		p("issuer", "issuer", "https://f", "https://e", "https://y", func(p *provider) any { return p.Issuer }, "https://f", "https://e", "https://y", ""),
		p("client-id", "client_id", "f", "e", "y", func(p *provider) any { return p.ClientID }, "f", "e", "y", ""),
		p("client-secret", "client_secret", "fs", "es", "ys", func(p *provider) any { return p.ClientSecret }, "fs", "es", "ys", ""),
		p("client-secret-file", "client_secret_file", "f.txt", "e.txt", "y.txt", func(p *provider) any { return p.ClientSecretFile },
			"f.txt", "e.txt", "y.txt", ""),
		p("public-client", "public_client", "true", "false", "true", func(p *provider) any { return p.PublicClient }, "true", "false", "true", "false"),
		p("scopes", "scopes", "openid f", "openid,e", "[openid, y]", func(p *provider) any { return p.Scopes },
			"[openid f]", "[openid e]", "[openid y]", "[]"),
		p("auth_params", "auth_params", "", "", "{prompt: login}", func(p *provider) any { return p.AuthParams }, "", "", "map[prompt:login]", "map[]"),
		p("form-post", "form_post", "true", "false", "true", func(p *provider) any { return p.FormPost }, "true", "false", "true", "false"),
		p("token-auth", "token_auth", "client_secret_post", "none", "client_secret_basic", func(p *provider) any { return p.TokenAuth },
			"client_secret_post", "none", "client_secret_basic", ""),
		p("client-key-file", "client_key_file", "f.pem", "e.pem", "y.pem", func(p *provider) any { return p.ClientKeyFile }, "f.pem", "e.pem", "y.pem", ""),
		p("client-key-id", "client_key_id", "f", "e", "y", func(p *provider) any { return p.ClientKeyID }, "f", "e", "y", ""),
		p("client-key-alg", "client_key_alg", "ES256", "PS256", "EdDSA", func(p *provider) any { return p.ClientKeyAlg }, "ES256", "PS256", "EdDSA", ""),
		p("skip-userinfo", "skip_userinfo", "true", "false", "true", func(p *provider) any { return p.SkipUserInfo }, "true", "false", "true", "false"),
		p("trusted-audiences", "trusted_audiences", "f", "e", "[y]", func(p *provider) any { return p.TrustedAudiences }, "[f]", "[e]", "[y]", "[]"),
		p("insecure-allow-http-issuer", "insecure_allow_http", "true", "false", "true", func(p *provider) any { return p.InsecureAllowHTTP },
			"true", "false", "true", "false"),
		p("provider-kind", "kind", "google", "entra", "keycloak", func(p *provider) any { return p.Kind }, "google", "entra", "keycloak", ""),
		p("tenants", "tenants", "t1,t2", "t3", "[t4]", func(p *provider) any { return p.Tenants }, "[t1 t2]", "[t3]", "[t4]", "[]"),
		p("hosted-domain", "hosted_domain", "f.test", "e.test", "y.test", func(p *provider) any { return p.HostedDomain }, "f.test", "e.test", "y.test", ""),
		p("groups-claim", "groups_claim", "f", "e", "y", func(p *provider) any { return p.GroupsClaim }, "f", "e", "y", ""),
		p("apple-team-id", "apple_team_id", "F", "E", "Y", func(p *provider) any { return p.AppleTeamID }, "F", "E", "Y", ""),
		p("apple-key-id", "apple_key_id", "F", "E", "Y", func(p *provider) any { return p.AppleKeyID }, "F", "E", "Y", ""),
		p("apple-key-file", "apple_key_file", "f.p8", "e.p8", "y.p8", func(p *provider) any { return p.AppleKeyFile }, "f.p8", "e.p8", "y.p8", ""),
		p("provider-base-url", "base_url", "https://f", "https://e", "https://y", func(p *provider) any { return p.BaseURL },
			"https://f", "https://e", "https://y", ""),
		p("authorization-url", "authorization_url", "https://f/a", "https://e/a", "https://y/a", func(p *provider) any { return p.AuthorizationURL },
			"https://f/a", "https://e/a", "https://y/a", ""),
		p("token-url", "token_url", "https://f/t", "https://e/t", "https://y/t", func(p *provider) any { return p.TokenURL },
			"https://f/t", "https://e/t", "https://y/t", ""),
		p("userinfo-url", "userinfo_url", "https://f/u", "https://e/u", "https://y/u", func(p *provider) any { return p.UserInfoURL },
			"https://f/u", "https://e/u", "https://y/u", ""),
		claim("claim-sub", "sub", func(p *provider) any { return p.ClaimMapping.Subject }),
		claim("claim-email", "email", func(p *provider) any { return p.ClaimMapping.Email }),
		claim("claim-email-verified", "email_verified", func(p *provider) any { return p.ClaimMapping.EmailVerified }),
		claim("claim-name", "name", func(p *provider) any { return p.ClaimMapping.Name }),
		claim("claim-preferred-username", "preferred_username", func(p *provider) any { return p.ClaimMapping.PreferredUsername }),
		claim("claim-groups", "groups", func(p *provider) any { return p.ClaimMapping.Groups }),
		claim("claim-picture", "picture", func(p *provider) any { return p.ClaimMapping.Picture }),
		p("trust-email", "trust_email", "true", "false", "true", func(p *provider) any { return p.TrustEmail }, "true", "false", "true", "false"),
		p("disable-pkce", "disable_pkce", "true", "false", "true", func(p *provider) any { return p.DisablePKCE }, "true", "false", "true", "false"),
		p("github-orgs", "orgs", "f,g", "e", "[y]", func(p *provider) any { return p.Orgs }, "[f g]", "[e]", "[y]", "[]"),
		p("github-teams", "teams", "f/a", "e/b", "[y/c]", func(p *provider) any { return p.Teams }, "[f/a]", "[e/b]", "[y/c]", "[]"),
		p("graph-url", "graph_url", "https://f", "https://e", "https://y", func(p *provider) any { return p.GraphURL },
			"https://f", "https://e", "https://y", ""),
		bearer("bearer", "enabled", "true", "false", "true", func(p *provider) any { return p.Bearer.Enabled }, "true", "false", "true", "false"),
		bearer("bearer-audiences", "audiences", "f,g", "e", "[y]", func(p *provider) any { return p.Bearer.Audiences }, "[f g]", "[e]", "[y]", "[]"),
		bearer("bearer-scopes", "scopes", "f", "e", "[y, z]", func(p *provider) any { return p.Bearer.Scopes }, "[f]", "[e]", "[y z]", "[]"),
		bearer("bearer-types", "types", "at+jwt", "JWT", "[jwt]", func(p *provider) any { return p.Bearer.Types }, "[at+jwt]", "[JWT]", "[jwt]", "[]"),
		bearer("bearer-introspection", "introspection", "all", "opaque", "all", func(p *provider) any { return p.Bearer.Introspection }, "all", "opaque", "all", ""),
		bearer("bearer-introspection-url", "introspection_url", "https://f", "https://e", "https://y",
			func(p *provider) any { return p.Bearer.IntrospectionURL }, "https://f", "https://e", "https://y", ""),
		bearer("bearer-introspection-cache-ttl", "introspection_cache_ttl", "10s", "20s", "30s",
			func(p *provider) any { return p.Bearer.IntrospectionCacheTTL }, "10s", "20s", "30s", "0s"),
		bearer("bearer-introspection-timeout", "introspection_timeout", "1s", "2s", "3s",
			func(p *provider) any { return p.Bearer.IntrospectionTimeout }, "1s", "2s", "3s", "0s"),
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.name] = true
	}
	for _, s := range table(&config{}).Rows() {
		if name := cmpOr(s.Flag, s.YAML); !covered[name] {
			t.Errorf("setting %q has no row in this test", name)
		}
	}
	for _, r := range rows {
		for _, k := range []struct {
			name                     string
			useFlag, useEnv, useFile bool
			want                     string
		}{
			{"flag beats all", true, true, true, r.wantFlag},
			{"env beats file", false, true, true, r.wantEnv},
			{"file beats default", false, false, true, r.wantFile},
			{"default", false, false, false, r.wantDefault},
		} {
			if k.useFlag && r.flag == "" || !k.useFlag && k.useEnv && r.env == "" || !k.useFlag && !k.useEnv && k.useFile && r.yaml == "" {
				continue
			}
			t.Run(r.name+"/"+k.name, func(t *testing.T) {
				var args, env []string
				yml := ""
				if k.useFile && r.yaml != "" {
					args = append(args, "--config", "c.yaml")
					yml = fmt.Sprintf(r.yaml, r.yamlV)
				}
				if k.useEnv && r.env != "" {
					env = append(env, r.env+"="+r.envV)
				}
				if k.useFlag && r.flag != "" {
					args = append(args, r.flag+"="+r.flagV)
				}
				c := &config{}
				res := table(c).Load(args, env, func(string) ([]byte, error) { return []byte(yml), nil })
				if err := res.Err(); err != nil {
					t.Fatalf("Load(%q, %q, %q): %v", args, env, yml, err)
				}
				get := r.get
				if r.getFile != nil && !k.useFlag && !k.useEnv && k.useFile {
					get = r.getFile
				}
				if got := fmt.Sprint(get(c)); got != k.want {
					t.Errorf("Load(%q, %q, %q): got %s, want %s", args, env, yml, got, k.want)
				}
			})
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestConfigurationReference fails when docs/configuration.md's rp block
// differs from what the declaration generates; -update rewrites it.
func TestConfigurationReference(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := table(&config{}).Reference()
	updated, got, err := settings.ReplaceReference(string(doc), "rp", want)
	if err != nil {
		t.Fatal(err)
	}
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the rp reference differs from cmd/rp/settings.go; run go generate ./cmd/rp.\n%s", path, firstDiff(got, want))
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		gl, wl := "", ""
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  got:  %s\n  want: %s", i+1, gl, wl)
		}
	}
	return ""
}

// golden compares got with the file at path, or with -update writes it.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, firstDiff(got, string(want)))
	}
}
