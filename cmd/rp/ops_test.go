package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/leakcheck"
	"github.com/foyer-oidc/foyer/rp"
)

func TestMetricsEndpointAndSignInLogLine(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"--addr", "127.0.0.1:0", "--log-format", "json", "--metrics"}, nil)
	c := browser()
	if resp, page := signInWithForm(t, st, c, "alice", "/"); resp.StatusCode != 200 || !strings.Contains(page, `data-testid="user-sub">alice<`) {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	fetch(t, browser(), "GET", st.url+"/auth/callback?state=nope&code=x", nil, "Accept", "application/json")
	resp, body := fetch(t, c, "GET", st.url+"/metrics", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^foyer_rp_sign_ins_total\{outcome="success",provider="mock",reason=""\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_sign_ins_total\{outcome="failure",provider="none",reason="login_expired"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_callback_duration_seconds_count\{outcome="success",provider="mock"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_provider_request_duration_seconds_count\{endpoint="token",provider="mock"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_jwks_fetches_total\{provider="mock"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_http_requests_total\{code="303",route="GET /auth/callback"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_build_info\{version="dev"\} 1$`),
		regexp.MustCompile(`(?m)^go_goroutines \d+$`),
		regexp.MustCompile(`(?m)^process_resident_memory_bytes \S+$`),
	} {
		if !want.MatchString(body) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "alice") {
		t.Error("/metrics names the user")
	}
	// One JSON log line per sign-in outcome, without the user's identity.
	var outcomes []map[string]any
	var logs strings.Builder // the JSON log lines, without the start-up banner
	for _, line := range strings.Split(st.out.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		logs.WriteString(line + "\n")
		if m["msg"] == "sign-in" {
			outcomes = append(outcomes, m)
		}
	}
	if len(outcomes) != 2 {
		t.Fatalf("sign-in log lines = %d, want 2:\n%s", len(outcomes), st.out.String())
	}
	ok, failed := outcomes[0], outcomes[1]
	if ok["outcome"] != "success" || ok["provider"] != "mock" || len(ok["user"].(string)) != 16 || ok["duration"] == nil {
		t.Errorf("success line = %v", ok)
	}
	if failed["outcome"] != "failure" || failed["reason"] != "login_expired" || failed["user"] != nil {
		t.Errorf("failure line = %v", failed)
	}
	if found := leakcheck.Find(logs.String(), "alice", "code="); found != nil {
		t.Errorf("logs contain %q", found)
	}
}

func TestYAMLProviderQuirksAndTuning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "rp.yaml")
	os.WriteFile(cfgFile, []byte(`
public_url: https://app.example.com
idle_timeout: 20m
max_token_age: 2h
jwks_cooldown: 1m
key_refresh_interval: 15m
metadata_refresh_interval: 6h
max_login_attempts: 3
providers:
  - id: entra
    kind: entra
    issuer: https://login.microsoftonline.com/common/v2.0
    client_id: abc
    tenants: [t1, t2]
  - id: google
    kind: google
    issuer: https://accounts.google.com
    client_id: g
    hosted_domain: example.com
  - id: kc
    kind: keycloak
    issuer: https://sso.example.com/realms/main
    client_id: foyer
    groups_claim: realm_access.roles, resource_access.foyer.roles
  - id: apple
    kind: apple
    issuer: https://appleid.apple.com
    client_id: com.example.web
    apple_team_id: TEAM
    apple_key_id: KEY
    apple_key_file: /run/secrets/apple.p8
`), 0o600)
	_, a, err := configured(t, []string{"--config", cfgFile, "--idle-timeout", "10m", "--metrics"},
		map[string]string{"RP_CLOCK_SKEW": "2m", "RP_IDLE_TIMEOUT": "1m"}, "")
	if err == nil || !strings.Contains(err.Error(), "no client secret") {
		t.Errorf("providers without client secrets: %v", err)
	}
	ps := a.cfg.Providers
	if len(ps) != 4 {
		t.Fatalf("providers = %d, want 4", len(ps))
	}
	if ps[0].Kind != rp.KindEntra || !slices.Equal(ps[0].Tenants, []string{"t1", "t2"}) {
		t.Errorf("entra = %+v", ps[0])
	}
	if ps[1].Kind != rp.KindGoogle || ps[1].HostedDomain != "example.com" {
		t.Errorf("google = %+v", ps[1])
	}
	if ps[2].GroupsClaim != "realm_access.roles, resource_access.foyer.roles" {
		t.Errorf("keycloak groups claim = %q", ps[2].GroupsClaim)
	}
	if ps[3].AppleTeamID != "TEAM" || ps[3].AppleKeyID != "KEY" || ps[3].AppleKeyFile != "/run/secrets/apple.p8" {
		t.Errorf("apple = %+v", ps[3])
	}
	c := a.cfg
	if c.IdleTimeout != 10*time.Minute || c.ClockSkew != 2*time.Minute || c.MaxTokenAge != 2*time.Hour ||
		c.JWKSCooldown != time.Minute || c.MaxLoginAttempts != 3 || c.Registerer == nil ||
		c.KeyRefreshInterval != 15*time.Minute || c.MetadataRefreshInterval != 6*time.Hour {
		t.Errorf("tuning: idle %v (flag beats env and file), skew %v (env), max token age %v, cooldown %v, attempts %d, registerer %v",
			c.IdleTimeout, c.ClockSkew, c.MaxTokenAge, c.JWKSCooldown, c.MaxLoginAttempts, c.Registerer)
	}
}

func TestIssuerFlagQuirks(t *testing.T) {
	t.Parallel()
	env := map[string]string{"RP_PROVIDER_KIND": "google", "RP_HOSTED_DOMAIN": "example.com", "RP_FORM_POST": "true",
		"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": secret32}
	_, a, err := configured(t, []string{"--issuer", "https://accounts.google.com", "--client-id", "g", "--provider-name", "Google"}, env, "")
	if err != nil || len(a.cfg.Providers) != 1 {
		t.Fatalf("providers: %v %v", a.cfg.Providers, err)
	}
	if p := a.cfg.Providers[0]; p.ID != "default" || p.Kind != "google" || p.HostedDomain != "example.com" || !p.FormPost || p.Name != "Google" {
		t.Errorf("default provider = %+v", p)
	}
	_, a, err = configured(t, []string{"--issuer", "https://accounts.google.com/", "--client-id", "g"}, env, "")
	if err != nil || a.cfg.Providers[0].Name != "accounts.google.com" {
		t.Errorf("name without --provider-name: %q (%v), want the issuer's host", a.cfg.Providers[0].Name, err)
	}
}

func TestCheckConfigReportsEveryQuirkProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`
public_url: https://app.example.com
cookie_secrets: ["0123456789abcdef0123456789abcdef"]
providers:
  - id: a
    kind: azure
    issuer: https://a.example.com
    client_id: a
  - id: b
    issuer: https://b.example.com
    client_id: b
    tenants: [t1]
    hosted_domain: example.com
  - id: c
    kind: google
    issuer: https://accounts.google.com
    client_id: c
    hosted_domain: "exa mple"
    groups_claim: "realm_access..roles"
  - id: d
    kind: apple
    issuer: https://appleid.apple.com
    client_id: d
    apple_key_file: `+filepath.Join(dir, "missing.p8")+`
  - id: e
    kind: entra
    issuer: https://login.microsoftonline.com/common/v2.0
    client_id: e
    tenants: [common, "a/b"]
  - id: f
    issuer: https://f.example.com
    client_id: f
    client_secret: inline
    client_secret_file: /run/secrets/f
`), 0o600)
	err := run(context.Background(), []string{"--config", bad, "--check-config"}, nil, io.Discard)
	if err == nil {
		t.Fatal("--check-config accepted a bad file")
	}
	for _, want := range []string{
		`kind "azure"`,
		"tenants are only for kind",
		"hosted domain is only for kind",
		`providers[2].hosted_domain "exa mple": want a domain name`,
		"empty path element",
		"apple team id is empty",
		"apple key id is empty",
		"missing.p8",
		`providers[4].tenants "common": want a tenant id`,
		`providers[4].tenants "a/b": want a tenant id`,
		`providers[5].client_secret_file: set client_secret or client_secret_file, not both`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("--check-config error lacks %q", want)
		}
	}
}

func TestMetricsCountProxiedRequests(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(up.Close)
	st := start(t, []string{"--addr", "127.0.0.1:0", "--upstream", up.URL, "--metrics"}, nil)
	c := browser()
	fetch(t, c, "GET", st.url+"/api/x", nil, "Accept", "application/json") // signed out: 401
	if resp, _ := signInWithForm(t, st, c, "bob", "/app/page"); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("sign-in through the proxy: %d", resp.StatusCode)
	}
	fetch(t, c, "GET", st.url+"/app/other", nil)
	_, body := fetch(t, c, "GET", st.url+"/metrics", nil)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^foyer_rp_http_requests_total\{code="202",route="proxy"\} 2$`),
		regexp.MustCompile(`(?m)^foyer_rp_http_requests_total\{code="401",route="proxy"\} 1$`),
		regexp.MustCompile(`(?m)^foyer_rp_http_request_duration_seconds_count\{route="proxy"\} 3$`),
	} {
		if !want.MatchString(body) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestMetricsAddrServesMetricsApart(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"RP_METRICS_ADDR": "127.0.0.1:0"})
	m := regexp.MustCompile(`metrics on (\S+)`).FindStringSubmatch(st.out.String())
	if m == nil {
		t.Fatalf("no metrics address announced:\n%s", st.out.String())
	}
	if resp, body := fetch(t, browser(), "GET", m[1], nil); resp.StatusCode != 200 || !strings.Contains(body, "foyer_rp_build_info") {
		t.Errorf("%s = %d, want 200 with the metrics", m[1], resp.StatusCode)
	}
	if resp, body := fetch(t, browser(), "GET", st.url+"/metrics", nil); resp.StatusCode == 200 && strings.Contains(body, "foyer_rp_build_info") {
		t.Error("the main listener still serves /metrics")
	}
}
