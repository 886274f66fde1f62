package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

const secret32 = "0123456789abcdef0123456789abcdef"

// configured reads args, env and, when not empty, the YAML file yml as rp
// does at startup, without listening.
func configured(t *testing.T, args []string, env map[string]string, yml string) (*config, *app, error) {
	t.Helper()
	if yml != "" {
		f := filepath.Join(t.TempDir(), "rp.yaml")
		if err := os.WriteFile(f, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", f}, args...)
	}
	c := &config{}
	res := table(c).Load(args, environ(env), nil)
	a := configure(c, res, defaultPublicURL(c.Addr), slog.New(slog.DiscardHandler))
	return c, a, res.Err()
}

// decide runs the startup decision for args, env and, when not empty, a
// YAML file: "dev", "start", or the error rp would print.
func decide(t *testing.T, args []string, env map[string]string, yml string) string {
	t.Helper()
	c, a, err := configured(t, args, env, yml)
	switch {
	case err != nil && c.File != "":
		return strings.ReplaceAll(err.Error(), filepath.Dir(c.File), "DIR")
	case err != nil:
		return err.Error()
	case a.devMode:
		return "dev"
	}
	return "start"
}

// TestStartupDecision: which combinations of issuer, config file, --dev,
// public URL and secrets start rp normally, start dev mode, or stop it with
// which line.
func TestStartupDecision(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "cookie")
	os.WriteFile(secretFile, []byte("# rotated 2026-01\n"+secret32+"\nshort\n"), 0o600)
	goodSecret := filepath.Join(dir, "cookie-ok")
	os.WriteFile(goodSecret, []byte(secret32+"\n"), 0o600)
	issuer := []string{"--issuer", "https://idp.test", "--client-id", "rp"}
	const (
		noProvider = "no sign-in provider configured: set --issuer and --client-id (RP_ISSUER, RP_CLIENT_ID), " +
			"or list providers in a YAML file given with --config; --dev runs the built-in mock provider instead"
		noCookie = `no cookie secret: put one in a file and set --cookie-secret-file (RP_COOKIE_SECRET_FILE, or cookie_secret_file in the YAML file); "rp secret" prints a new one`
		noClient = `--issuer "https://idp.test": no client secret: set --client-secret-file (or --client-secret) to the secret the provider gave rp, ` +
			"or --public-client if the client is public and uses PKCE only"
	)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		yml  string
		want string
	}{
		{"nothing configured: dev mode on the default loopback URL", nil, nil, "", "dev"},
		{"unspecified listen address: public URL 127.0.0.1", []string{"--addr", "0.0.0.0:8080"}, nil, "", "dev"},
		{"localhost", []string{"--public-url", "http://localhost:8080"}, nil, "", "dev"},
		{"IPv6 loopback", []string{"--public-url", "http://[::1]:8080"}, nil, "", "dev"},
		{"https public URL without a provider", []string{"--public-url", "https://app.example.com"}, nil, "", noProvider},
		{"plain-http non-loopback without a provider", []string{"--public-url", "http://app.example.com"}, nil, "", noProvider},
		{"https on localhost without a provider", []string{"--public-url", "https://localhost:8443"}, nil, "", noProvider},
		{"loopback name look-alike", []string{"--public-url", "http://localhost.example.com"}, nil, "", noProvider},
		{"a typo'd issuer variable is not a provider", []string{"--public-url", "https://app.example.com"},
			map[string]string{"RP_ISUER": "https://idp.test"}, "", noProvider + "\n  warning: RP_ISUER: not a setting of rp, ignored; did you mean RP_ISSUER?"},
		{"--dev with an https public URL", []string{"--dev", "--public-url", "https://app.example.com"}, nil, "", "dev"},
		{"RP_DEV", []string{"--public-url", "https://app.example.com"}, map[string]string{"RP_DEV": "true"}, "", "dev"},
		{"dev: true in the file", nil, nil, "public_url: https://app.example.com\ndev: true\n", "dev"},
		{"--dev=false on loopback is still the zero-config dev mode", []string{"--dev=false"}, nil, "", "dev"},
		{"--dev with a provider", append([]string{"--dev"}, issuer...), map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": secret32}, "",
			"--dev: dev mode signs in with the built-in mock provider only; remove it, or remove --issuer and the providers of the YAML file"},
		{"issuer, client and cookie secrets", issuer, map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": secret32}, "", "start"},
		{"issuer on loopback is no dev mode", issuer, map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET_FILE": goodSecret}, "", "start"},
		{"no cookie secret", issuer, map[string]string{"RP_CLIENT_SECRET": "s"}, "", noCookie},
		{"no client secret", issuer, map[string]string{"RP_COOKIE_SECRET": secret32}, "", noClient},
		{"declared public client", append([]string{"--public-client"}, issuer...), map[string]string{"RP_COOKIE_SECRET": secret32}, "", "start"},
		{"public client with a secret", append([]string{"--public-client", "--client-secret", "s"}, issuer...), map[string]string{"RP_COOKIE_SECRET": secret32}, "",
			"--public-client: a public client has no secret, but a client secret is set too; remove one of them"},
		{"missing client secret file", append([]string{"--client-secret-file", filepath.Join(dir, "absent")}, issuer...),
			map[string]string{"RP_COOKIE_SECRET": secret32}, "",
			`--client-secret-file "` + filepath.Join(dir, "absent") + `": cannot read the client secret: no such file or directory`},
		{"short cookie secret", issuer, map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": "short"}, "",
			`RP_COOKIE_SECRET: a cookie secret of 5 bytes, need at least 32; "rp secret" prints a new one`},
		{"short line in the cookie secret file", append([]string{"--cookie-secret-file", secretFile}, issuer...), map[string]string{"RP_CLIENT_SECRET": "s"}, "",
			`--cookie-secret-file "` + secretFile + `" line 3: a cookie secret of 5 bytes, need at least 32; "rp secret" prints a new one`},
		{"client id without issuer", []string{"--client-id", "x"}, nil, "", "--client-id: configures the provider given by --issuer (or by an OAuth 2.0 --provider-kind), which is not set"},
		{"file with a provider", nil, nil, "public_url: https://app.example.com\ncookie_secrets: [" + secret32 + "]\n" +
			"providers:\n  - id: corp\n    issuer: https://idp.test\n    client_id: rp\n    client_secret: s\n", "start"},
		{"file without providers, https", nil, nil, "public_url: https://app.example.com\n", noProvider},
		{"file without providers, loopback", nil, nil, "providers: []\n", "dev"},
		{"file provider without a client secret", nil, nil, "public_url: https://app.example.com\ncookie_secrets: [" + secret32 + "]\n" +
			"providers:\n  - id: corp\n    issuer: https://idp.test\n    client_id: rp\n",
			"DIR/rp.yaml:4:5: providers[0]: no client secret: set client_secret_file (or client_secret) to the secret the provider gave rp, " +
				"or public_client: true if the client is public and uses PKCE only"},
		{"file public client", nil, nil, "public_url: https://app.example.com\ncookie_secrets: [" + secret32 + "]\n" +
			"providers:\n  - id: corp\n    issuer: https://idp.test\n    client_id: rp\n    public_client: true\n", "start"},
		{"an OAuth 2.0 kind needs no issuer", []string{"--provider-kind", "github", "--client-id", "rp", "--public-url", "https://app.example.com"},
			map[string]string{"RP_CLIENT_SECRET": "s", "RP_COOKIE_SECRET": secret32}, "", "start"},
		{"an OAuth 2.0 kind on loopback is no dev mode", []string{"--provider-kind", "x", "--client-id", "rp", "--public-client"},
			map[string]string{"RP_COOKIE_SECRET": secret32}, "", "start"},
		{"an OpenID kind still needs the issuer", []string{"--provider-kind", "google", "--client-id", "rp", "--public-url", "https://app.example.com"}, nil, "",
			"2 problems in the configuration:\n  --client-id: configures the provider given by --issuer (or by an OAuth 2.0 --provider-kind), which is not set\n  " + noProvider},
		{"file with OAuth 2.0 providers", nil, nil, "public_url: https://app.example.com\ncookie_secrets: [" + secret32 + "]\n" +
			"providers:\n  - id: gh\n    kind: github\n    base_url: https://github.example.com\n    orgs: [acme]\n    client_id: rp\n    client_secret: s\n" +
			"  - id: corp\n    kind: oauth2\n    authorization_url: https://id.test/authorize\n    token_url: https://id.test/token\n" +
			"    userinfo_url: https://api.test/me\n    claims: {sub: user.id, email: user.mail, email_verified: user.mail_ok}\n" +
			"    client_id: rp\n    client_secret: s\n", "start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := decide(t, tc.args, tc.env, tc.yml); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestConfigErrors runs rp with mistakes an operator makes and compares what
// it says with testdata/config-errors.golden (-update rewrites it).
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := []string{"--addr", "127.0.0.1:0", "--public-url", "https://app.example.com"}
	prov := append(base, "--issuer", "https://idp.test", "--client-id", "rp", "--client-secret", "s", "--cookie-secret", secret32)
	cases := []struct {
		name string
		args []string
		env  []string
	}{
		{"no provider", base, nil},
		{"misspelt flag", []string{"--upstrem", "http://127.0.0.1:1"}, nil},
		{"misspelt variable among other problems", base, []string{"RP_ISUER=https://idp.test"}},
		{"bad values", []string{"--log-format", "jsn", "--clock-skew", "soon", "--max-login-attempts", "many", "--trusted-proxies", "10.0.0.0/33"}, nil},
		{"bad variable", nil, []string{"RP_IDLE_TIMEOUT=20 minutes"}},
		{"store and upstream", append(prov, "--session-store", "files", "--upstream", "ftp://app"), nil},
		{"rp's own checks", append(prov, "--clock-skew", "6m", "--provider-kind", "azure", "--tenants", "t1", "--api-path-prefixes", "api"), nil},
		{"missing config file", []string{"--config", filepath.Join(dir, "absent.yaml")}, nil},
		{"YAML syntax", []string{"--config", write("syntax.yaml", "public_url: https://app.example.com\n  upstream: x\n")}, nil},
		{"YAML keys and values", []string{"--config", write("keys.yaml", `
public_url: https://app.example.com
upstrem: http://127.0.0.1:1
log_format: xml
cookie_secrets: [short]
client_id: misplaced
assertion: {enabeld: true}
providers:
  - id: Google
    issuer: accounts.google.com
    clinet_id: x
    client_secret: s
  - id: entra
    kind: entra
    issuer: https://login.microsoftonline.com/common/v2.0
    client_id: abc
    client_secret: s
    client_secret_file: /run/secrets/entra
    tenants: [common]
rules:
  - path_prefix: admin
    emails: [nobody]
`)}, nil},
		{"OAuth 2.0 providers", []string{"--config", write("oauth2.yaml", `
public_url: https://app.example.com
cookie_secrets: [`+secret32+`]
providers:
  - id: gh
    kind: github
    base_url: http://github.corp:8080
    teams: [acme]
    trust_email: true
    client_id: rp
    client_secret: s
  - id: corp
    kind: oauth2
    authorization_url: https://id.test/authorize
    client_id: rp
    client_secret: s
`)}, nil},
		{"OAuth 2.0 flags", append(base, "--provider-kind", "naver", "--client-id", "rp", "--client-secret", "s", "--cookie-secret", secret32,
			"--issuer", "ftp://nid", "--claim-sub", "a..b", "--disable-pkce", "--graph-url", "https://graph.microsoft.com"), nil},
		{"pages", append(prov, "--logo", "javascript:alert(1)", "--accent-color", "teal", "--app-name", " ",
			"--templates-dir", filepath.Dir(write("tpl/style.ccs", "p{}"))), nil},
		{"pages from the file", []string{"--config", write("pages.yaml", "public_url: https://app.example.com\ncookie_secrets: ["+secret32+"]\n"+
			"providers: [{id: corp, issuer: https://idp.test, client_id: rp, client_secret: s}]\n"+
			"logo_file: "+filepath.Join(dir, "absent.png")+"\ntemplates_dir: "+filepath.Dir(write("tpl2/messages.ko.json", `{"rp.home.welcom": "x"}`))+"\n")}, nil},
		{"logo twice", append(prov, "--logo", "/logo.png", "--logo-file", write("logo.png", "png")), nil},
		{"apple key file", []string{"--config", write("apple.yaml", "public_url: https://app.example.com\ncookie_secrets: ["+secret32+"]\n"+
			"providers:\n  - id: apple\n    kind: apple\n    issuer: https://appleid.apple.com\n    client_id: com.example\n"+
			"    apple_team_id: T\n    apple_key_id: K\n    apple_key_file: "+filepath.Join(dir, "absent.p8")+"\n")}, nil},
	}
	// A configuration that passes would serve until ctx ends: end it first.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out strings.Builder
	for _, tc := range cases {
		err := run(ctx, tc.args, tc.env, io.Discard)
		if err == nil {
			t.Errorf("%s: run succeeded, want an error", tc.name)
			continue
		}
		out.WriteString("=== " + tc.name + "\nrp: " + strings.ReplaceAll(err.Error(), dir, "DIR") + "\n")
	}
	golden(t, "testdata/config-errors.golden", out.String())
}

// TestCheckConfigSharesStartupReport: --check-config fails with the very
// text a start fails with.
func TestCheckConfigSharesStartupReport(t *testing.T) {
	t.Parallel()
	args := []string{"--addr", "127.0.0.1:0", "--issuer", "https://idp.test", "--client-id", "rp", "--clock-skew", "6m"}
	start := run(context.Background(), args, nil, io.Discard)
	check := run(context.Background(), append(args, "--check-config"), nil, io.Discard)
	if start == nil || check == nil || start.Error() != check.Error() || !strings.Contains(start.Error(), "3 problems") {
		t.Errorf("start: %v\ncheck: %v\nwant the same three problems", start, check)
	}
}

// TestCheckConfigDiscovers: --check-config runs discovery and says how the
// client authenticates and what the provider accepts; a client
// authentication the provider does not accept is an error.
func TestCheckConfigDiscovers(t *testing.T) {
	t.Parallel()
	idp := mockidp.NewTestServer(t)
	apple := mockidp.NewTestServer(t, mockidp.WithPersona(mockidp.PersonaApple)) // accepts client_secret_post only
	env := []string{"RP_COOKIE_SECRET=" + secret32}
	var out strings.Builder
	err := run(context.Background(), []string{"--check-config", "--issuer", idp.Issuer, "--client-id", "demo", "--client-secret", "demo-secret"}, env, &out)
	want := `provider "default" (` + idp.Issuer + `): discovered; the client authenticates with client_secret_basic; the provider accepts client_secret_basic, client_secret_post, private_key_jwt, none`
	if err != nil || !strings.Contains(out.String(), want) || !strings.HasSuffix(out.String(), "configuration is valid\n") {
		t.Errorf("err %v, output:\n%s\nwant %q and valid", err, out.String(), want)
	}
	out.Reset()
	err = run(context.Background(), []string{"--check-config", "--issuer", apple.Issuer, "--client-id", "demo", "--public-client"}, env, &out)
	wantErr := `the provider of --issuer "` + apple.Issuer + `": discovery: the client authenticates with none (a public client: no client secret), ` +
		"but the provider's token endpoint accepts only client_secret_post (token_endpoint_auth_methods_supported); set a client secret or the token auth method"
	if err == nil || err.Error() != wantErr || strings.Contains(out.String(), "valid") {
		t.Errorf("public client at a provider without none:\n got %v\nwant %s\noutput %s", err, wantErr, out.String())
	}
	err = run(context.Background(), []string{"--check-config", "--issuer", "https://127.0.0.1:1", "--client-id", "x", "--client-secret", "s"}, env, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), `the provider of --issuer "https://127.0.0.1:1": discovery: `) {
		t.Errorf("unreachable provider: %v", err)
	}
}

// TestDevModeIsInProcess: dev mode's rp reaches its mock provider without
// the network: with a public URL nothing listens on, discovery still
// succeeds.
func TestDevModeIsInProcess(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"--addr", "127.0.0.1:0", "--public-url", "http://127.0.0.2:1"}, nil)
	if resp, body := fetch(t, browser(), "GET", st.url+"/readyz", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d %s, want 200: discovery did not reach the embedded provider", resp.StatusCode, body)
	}
	if !strings.Contains(st.out.String(), "public URL http://127.0.0.2:1") || !strings.Contains(st.out.String(), "client_auth=client_secret_basic") {
		t.Errorf("start-up output lacks the public URL or the client authentication:\n%s", st.out.String())
	}
	idp, _ := mockidp.New(mockidp.Config{Issuer: "http://127.0.0.2:1/mockidp"})
	c := inProcessClient("http://127.0.0.2:1/mockidp", idp)
	for _, u := range []string{"http://127.0.0.1:1/mockidp/jwks", "http://127.0.0.2:1/mockidpx/jwks", "https://127.0.0.2:1/mockidp/jwks", "http://127.0.0.2:1/other"} {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s through the in-process client: %d, want an error (not the embedded provider)", u, resp.StatusCode)
		}
	}
	resp, err := c.Get("http://127.0.0.2:1/mockidp/jwks")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET jwks in process: %v", err)
	}
	resp.Body.Close()
}

func TestMetricsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	st := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
	if resp, body := fetch(t, browser(), "GET", st.url+"/metrics", nil); resp.StatusCode == http.StatusOK && strings.Contains(body, "foyer_rp_build_info") {
		t.Error("/metrics is served without --metrics")
	}
	st = start(t, []string{"--addr", "127.0.0.1:0", "--metrics"}, nil)
	if resp, body := fetch(t, browser(), "GET", st.url+"/metrics", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "foyer_rp_build_info") {
		t.Errorf("/metrics with --metrics = %d", resp.StatusCode)
	}
}

func TestSecretCommand(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	if err := run(context.Background(), []string{"secret"}, nil, &a); err != nil {
		t.Fatal(err)
	}
	run(context.Background(), []string{"secret"}, nil, &b)
	s := strings.TrimSuffix(a.String(), "\n")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) != 32 || len(s) < 32 || a.String() == b.String() {
		t.Errorf("rp secret printed %q and %q; want two different base64url encodings of 32 random bytes", a.String(), b.String())
	}
	if got := decide(t, []string{"--issuer", "https://idp.test", "--client-id", "rp", "--client-secret", "s", "--cookie-secret", s}, nil, ""); got != "start" {
		t.Errorf("the printed secret as --cookie-secret: %s", got)
	}
	if err := run(context.Background(), []string{"secret", "x"}, nil, io.Discard); err == nil {
		t.Error("rp secret x succeeded")
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		var out strings.Builder
		if err := run(context.Background(), args, nil, &out); err != nil || !strings.HasPrefix(out.String(), "Usage: rp [flags]") ||
			!strings.Contains(out.String(), "  --public-client\n") || !strings.Contains(out.String(), "RP_CLIENT_SECRET_FILE, YAML providers[].client_secret_file") {
			t.Errorf("%v: %v\n%s", args, err, out.String())
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out strings.Builder
		if err := run(context.Background(), args, nil, &out); err != nil || out.String() != "rp dev\n" {
			t.Errorf("%v: %v %q", args, err, out.String())
		}
	}
}

// TestLogFormatFromFile: log_format in the file counts, because the logger
// is built after the file is read.
func TestLogFormatFromFile(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "rp.yaml")
	os.WriteFile(f, []byte("log_format: json\n"), 0o600)
	st := start(t, []string{"--addr", "127.0.0.1:0", "--config", f}, nil)
	if !strings.Contains(st.out.String(), `{"time":`) || strings.Contains(st.out.String(), "level=") {
		t.Errorf("log lines are not JSON:\n%s", st.out.String())
	}
}

// TestConfigCheckedBeforeListening: with the port taken, a configuration
// error is still what rp reports; with a good configuration, the busy port.
func TestConfigCheckedBeforeListening(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	err = run(context.Background(), []string{"--addr", addr, "--clock-skew", "soon"}, nil, io.Discard)
	if err == nil || err.Error() != `--clock-skew "soon": not a duration (write e.g. 90s, 20m or 1h30m)` {
		t.Errorf("bad config on a busy port: %v, want the config error", err)
	}
	err = run(context.Background(), []string{"--addr", addr}, nil, io.Discard)
	if err == nil || !strings.HasPrefix(err.Error(), "--addr: cannot listen: ") {
		t.Errorf("good config on a busy port: %v, want the listen error naming --addr", err)
	}
}

// TestCheckConfigPrivateKeyJWT: a client key instead of a secret is a
// complete client configuration, and discovery reports private_key_jwt; a
// key together with a secret is refused, naming the setting.
func TestCheckConfigPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	idp := mockidp.NewTestServer(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"RP_COOKIE_SECRET=" + secret32}
	var out strings.Builder
	err = run(context.Background(), []string{"--check-config", "--issuer", idp.Issuer, "--client-id", "demo", "--client-key-file", keyFile, "--client-key-id", "k1"}, env, &out)
	if want := "the client authenticates with private_key_jwt"; err != nil || !strings.Contains(out.String(), want) {
		t.Errorf("err %v, output:\n%s\nwant %q", err, out.String(), want)
	}
	err = run(context.Background(), []string{"--check-config", "--issuer", idp.Issuer, "--client-id", "demo", "--client-key-file", keyFile, "--client-secret", "s"}, env, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--client-secret") || !strings.Contains(err.Error(), "not a client secret") {
		t.Errorf("key and secret: %v, want an error naming --client-secret", err)
	}
	err = run(context.Background(), []string{"--check-config", "--issuer", idp.Issuer, "--client-id", "demo", "--client-key-file", keyFile, "--client-key-alg", "RS256"}, env, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--client-key-alg") {
		t.Errorf("alg for another key: %v, want an error naming --client-key-alg", err)
	}
}
