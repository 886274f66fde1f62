package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/mockidp"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's mockidp block and testdata/*.golden")

// TestEverySettingPrecedence checks, for every setting, that a flag beats
// its variable, the variable beats the YAML file, and the file beats the
// default. Each row holds the three values given and the four results
// expected; a setting without a flag, a variable or a key skips those
// cases. The test fails while a setting of the table has no row here.
func TestEverySettingPrecedence(t *testing.T) {
	t.Parallel()
	type row struct {
		flag, env, yaml       string // "--addr", "MOCKIDP_ADDR", "addr: %s" ("" when the setting has none)
		flagV, envV, yamlV    string // the values given
		get                   func(*config) any
		wantFlag, wantEnv     string // fmt.Sprint of the field after each case
		wantYAML, wantDefault string
	}
	rows := []row{
		{"--addr", "MOCKIDP_ADDR", "addr: %s", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3",
			func(c *config) any { return c.Addr }, "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:9400"},
		{"--config", "MOCKIDP_CONFIG", "", "f.yaml", "e.yaml", "",
			func(c *config) any { return c.File }, "f.yaml", "e.yaml", "", ""},
		{"--device-flow", "MOCKIDP_DEVICE_FLOW", "device_flow: %s", "true", "false", "true",
			func(c *config) any { return c.IdP.DeviceFlow }, "true", "false", "true", "false"},
		{"--par", "MOCKIDP_PAR", "par: %s", "true", "false", "true",
			func(c *config) any { return c.IdP.PAR }, "true", "false", "true", "false"},
		{"--require-par", "MOCKIDP_REQUIRE_PAR", "require_par: %s", "true", "false", "true",
			func(c *config) any { return c.IdP.RequirePAR }, "true", "false", "true", "false"},
		{"", "", "device_interval: %s", "", "", "2s",
			func(c *config) any { return c.IdP.DeviceInterval }, "", "", "2s", "5s"},
		{"", "", "lifetimes: {device_code: %s}", "", "", "3m",
			func(c *config) any { return c.IdP.DeviceCodeTTL }, "", "", "3m0s", "10m0s"},
		{"--tls", "MOCKIDP_TLS", "tls: %s", "true", "false", "true",
			func(c *config) any { return c.TLS }, "true", "false", "true", "false"},
		{"--tls-ca-out", "MOCKIDP_TLS_CA_OUT", "tls_ca_out: %s", "f.pem", "e.pem", "y.pem",
			func(c *config) any { return c.TLSCAOut }, "f.pem", "e.pem", "y.pem", ""},
		{"--tls-cert", "MOCKIDP_TLS_CERT", "tls_cert: %s", "f.pem", "e.pem", "y.pem",
			func(c *config) any { return c.TLSCert }, "f.pem", "e.pem", "y.pem", ""},
		{"--tls-key", "MOCKIDP_TLS_KEY", "tls_key: %s", "f.key", "e.key", "y.key",
			func(c *config) any { return c.TLSKey }, "f.key", "e.key", "y.key", ""},
		{"--tls-hosts", "MOCKIDP_TLS_HOSTS", "tls_hosts: %s", "a,b", "c", "[d, e]",
			func(c *config) any { return c.TLSHosts }, "[a b]", "[c]", "[d e]", "[]"},
		{"--issuer", "MOCKIDP_ISSUER", "issuer: %s", "http://f", "http://e", "auto",
			func(c *config) any { return c.IdP.Issuer }, "http://f", "http://e", "auto", ""},
		{"", "", "auto_path_prefix: %s", "", "", "/p",
			func(c *config) any { return c.IdP.AutoPathPrefix }, "", "", "/p", ""},
		{"--issuers", "MOCKIDP_ISSUERS", "issuers: %s", "a,b", "c d", "[e]",
			func(c *config) any { return c.Issuers }, "[a b]", "[c d]", "[e]", "[]"},
		{"--public-url", "MOCKIDP_PUBLIC_URL", "public_url: %s", "http://f:1", "http://e:1", "http://y:1",
			func(c *config) any { return c.IdP.PublicURL }, "http://f:1", "http://e:1", "http://y:1", ""},
		{"--internal-url", "MOCKIDP_INTERNAL_URL", "internal_url: %s", "http://f:2", "http://e:2", "http://y:2",
			func(c *config) any { return c.IdP.InternalURL }, "http://f:2", "http://e:2", "http://y:2", ""},
		{"--login", "MOCKIDP_LOGIN", "login: %s", "auto", "form", "auto",
			func(c *config) any { return c.IdP.Login }, "auto", "form", "auto", "form"},
		{"--alg", "MOCKIDP_ALG", "alg: %s", "PS256", "ES256", "EdDSA",
			func(c *config) any { return c.IdP.Alg }, "PS256", "ES256", "EdDSA", "RS256"},
		{"--signing-key-file", "MOCKIDP_SIGNING_KEY_FILE", "signing_key_file: %s", "f.pem", "e.pem", "y.pem",
			func(c *config) any { return c.SigningKeyFile }, "f.pem", "e.pem", "y.pem", ""},
		{"", "", "signing_key: %s", "", "", "PEM",
			func(c *config) any { return c.SigningKey }, "", "", "PEM", ""},
		{"--persona", "MOCKIDP_PERSONA", "persona: %s", "google", "entra", "auth0",
			func(c *config) any { return c.IdP.Persona }, "google", "entra", "auth0", ""},
		{"--key-overlap", "MOCKIDP_KEY_OVERLAP", "key_overlap: %s", "1m", "2m", "3m",
			func(c *config) any { return c.IdP.KeyOverlap }, "1m0s", "2m0s", "3m0s", "0s"},
		{"--jwks-cache-control", "MOCKIDP_JWKS_CACHE_CONTROL", "jwks_cache_control: %s", "max-age=1", "max-age=2", "no-store",
			func(c *config) any { return c.IdP.JWKSCacheControl }, "max-age=1", "max-age=2", "no-store", "no-cache"},
		{"", "", "lifetimes: {code: %s}", "", "", "2m",
			func(c *config) any { return c.IdP.CodeTTL }, "", "", "2m0s", "1m0s"},
		{"", "", "lifetimes: {access_token: %s}", "", "", "2h",
			func(c *config) any { return c.IdP.AccessTokenTTL }, "", "", "2h0m0s", "1h0m0s"},
		{"", "", "lifetimes: {id_token: %s}", "", "", "3h",
			func(c *config) any { return c.IdP.IDTokenTTL }, "", "", "3h0m0s", "1h0m0s"},
		{"", "", "lifetimes: {refresh_token: %s}", "", "", "48h",
			func(c *config) any { return c.IdP.RefreshTokenTTL }, "", "", "48h0m0s", "24h0m0s"},
		{"", "", "lifetimes: {session: %s}", "", "", "1h",
			func(c *config) any { return c.IdP.SessionTTL }, "", "", "1h0m0s", "12h0m0s"},
		{"--control", "MOCKIDP_CONTROL", "control: %s", "true", "false", "true",
			func(c *config) any { return c.IdP.ControlAPI }, "true", "false", "true", "false"},
		{"--control-allow", "MOCKIDP_CONTROL_ALLOW", "control_allow: %s", "10.0.0.0/8", "192.0.2.1", "[10.1.2.3/16]",
			func(c *config) any { return c.IdP.ControlAllow }, "[10.0.0.0/8]", "[192.0.2.1/32]", "[10.1.0.0/16]", "[]"},
		{"", "", "clients: %s", "", "", "[{id: x, secret: s}]",
			func(c *config) any {
				if c.Clients == nil {
					return "nil"
				}
				return c.Clients[0].ID + " " + c.Clients[0].Secret
			}, "", "", "x s", "nil"},
		{"", "", "users: %s", "", "", "[{sub: carol, claims: {email: c@x}}]",
			func(c *config) any {
				if c.Users == nil {
					return "nil"
				}
				return *c.Users[0]
			}, "", "", "{carol map[email:c@x]}", "nil"},
		{"", "", "trusted_issuers: %s", "", "", "[{issuer: https://sts.example, jwks_uri: http://127.0.0.1/j}]",
			func(c *config) any {
				if c.TrustedIssuers == nil {
					return "nil"
				}
				return c.TrustedIssuers[0].Issuer + " " + c.TrustedIssuers[0].JWKSURI
			}, "", "", "https://sts.example http://127.0.0.1/j", "nil"},
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[strings.TrimPrefix(r.flag, "--")] = true
		key, _, _ := strings.Cut(r.yaml, ":")
		if inner, ok := strings.CutPrefix(r.yaml, "lifetimes: {"); ok {
			k, _, _ := strings.Cut(inner, ":")
			key = "lifetimes." + k
		}
		covered[key] = true
	}
	for _, s := range table(&config{}).Rows() {
		if !covered[s.Flag] && !covered[s.YAML] || s.Flag == "" && !covered[s.YAML] {
			t.Errorf("setting --%s (YAML %q) has no row in this test", s.Flag, s.YAML)
		}
	}
	for _, r := range rows {
		name := cmpOr(r.flag, r.yaml)
		type kase struct {
			name                     string
			useFlag, useEnv, useYAML bool
			want                     string
		}
		cases := []kase{
			{"flag beats all", true, true, true, r.wantFlag},
			{"env beats file", false, true, true, r.wantEnv},
			{"file beats default", false, false, true, r.wantYAML},
			{"default", false, false, false, r.wantDefault},
		}
		for _, k := range cases {
			if k.useFlag && r.flag == "" || !k.useFlag && k.useEnv && r.env == "" || !k.useFlag && !k.useEnv && k.useYAML && r.yaml == "" {
				continue
			}
			t.Run(name+"/"+k.name, func(t *testing.T) {
				var args, env []string
				yml := ""
				if k.useYAML && r.yaml != "" {
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
				if got := fmt.Sprint(r.get(c)); got != k.want {
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

// TestConfigurationReference fails when docs/configuration.md's mockidp
// block differs from what the declaration generates; -update rewrites it.
func TestConfigurationReference(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := table(&config{}).Reference()
	updated, got, err := settings.ReplaceReference(string(doc), "mockidp", want)
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
	t.Errorf("%s: the mockidp reference differs from cmd/mockidp/settings.go; run go generate ./cmd/mockidp.\n%s", path, firstDiff(got, want))
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
			return fmt.Sprintf("line %d:\n  doc:      %s\n  declared: %s", i+1, gl, wl)
		}
	}
	return ""
}

// TestConfigErrors runs mockidp with mistakes an operator makes and compares
// what it says with testdata/config-errors.golden (-update rewrites it).
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		args []string
		env  []string
	}{
		{"misspelt flag", []string{"--isuer", "http://x"}, nil},
		{"stray argument", []string{"serve"}, nil},
		{"flag without value", []string{"--addr"}, nil},
		{"bad alg", []string{"--alg", "HS256"}, nil},
		{"bad login from the environment", nil, []string{"MOCKIDP_LOGIN=magic"}},
		{"misspelt variable", []string{"--alg", "RS265"}, []string{"MOCKIDP_ISUER=http://x"}},
		{"bad duration", []string{"--key-overlap", "soon"}, nil},
		{"bad control-allow", []string{"--control-allow", "10.0.0.0/33,example.com"}, nil},
		{"bad issuer", []string{"--issuer", "ftp://x"}, nil},
		{"public url with auto issuer", []string{"--issuer", "auto", "--public-url", "http://localhost:9400"}, nil},
		{"missing config", []string{"--config", "absent.yaml"}, nil},
		{"YAML syntax", []string{"--config", write("syntax.yaml", "issuer: http://x\n  alg: ES256\n")}, nil},
		{"unknown keys", []string{"--config", write("unknown.yaml", "isuer: http://x\nlifetimes:\n  acces_token: 1h\nclients:\n  - id: a\n    secert: s\nusers:\n  - sub: carol\n    claim: {email: c@x}\n")}, nil},
		{"wrong shapes", []string{"--config", write("shapes.yaml", "issuer: [a]\nclients: {id: a}\nusers:\n  - carol\ncontrol: maybe\nlifetimes: {code: 5 minutes}\n")}, nil},
		{"provider checks", []string{"--config", write("checks.yaml", "issuer: http://x/\npersona: okta\nlifetimes: {code: 10ms}\nclients:\n  - id: a\n    secret_jwt_key: nope\n  - id: a\nusers: []\n")}, nil},
		{"signing key twice", []string{"--config", write("key.yaml", "signing_key: PEM\nsigning_key_file: key.pem\n")}, nil},
		{"signing key file missing", []string{"--signing-key-file", filepath.Join(dir, "absent.pem")}, nil},
		{"issuer names", []string{"--issuers", "a,b/c"}, nil},
	}
	var out strings.Builder
	for _, tc := range cases {
		err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, tc.args...), tc.env, io.Discard)
		if err == nil {
			t.Errorf("%s: run succeeded, want an error", tc.name)
			continue
		}
		fmt.Fprintf(&out, "=== %s\nmockidp: %s\n", tc.name, strings.ReplaceAll(err.Error(), dir, "DIR"))
	}
	golden(t, "testdata/config-errors.golden", out.String())
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

// TestLoadConfigAgrees loads one file with every key through the command
// and through mockidp.LoadConfig: the library's loader must read the same
// format into the same Config.
func TestLoadConfigAgrees(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join("..", "..", "mockidp", "devkeys", "es256.pem"))
	if err != nil {
		entries, _ := os.ReadDir(filepath.Join("..", "..", "mockidp", "devkeys"))
		t.Fatalf("%v; devkeys holds %v", err, entries)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "idp.yaml")
	if err := os.WriteFile(path, []byte(`
issuer: http://127.0.0.1:9400
login: auto
alg: ES256
signing_key_file: key.pem
persona: keycloak
public_url: http://localhost:9400
internal_url: http://mockidp:9400
key_overlap: 10m
jwks_cache_control: max-age=300
lifetimes: {code: 2m, access_token: 2h, id_token: 3h, refresh_token: 48h, session: 6h, device_code: 4m}
device_flow: true
device_interval: 2s
par: true
require_par: true
clients:
  - id: app
    secret: app-secret
    redirect_uris: [http://127.0.0.1:8080/auth/callback]
    post_logout_redirect_uris: [http://127.0.0.1:8080/]
    allow_loopback_redirects: true
    backchannel_logout_uri: http://127.0.0.1:8080/auth/backchannel-logout
  - id: svc
    auth_method: private_key_jwt
    jwks: '{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}'
    auth_signing_alg: ES256
    grant_types: [client_credentials, urn:ietf:params:oauth:grant-type:token-exchange]
    scopes: ["orders:read"]
    claims: {roles: [reader]}
  - id: svc2
    jwks_uri: http://127.0.0.1:8081/jwks.json
trusted_issuers:
  - issuer: https://sts.example
    jwks_uri: http://127.0.0.1:8082/jwks.json
users:
  - sub: carol
    claims: {email: carol@example.com, email_verified: true, groups: [users]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &config{}
	res := table(c).Load([]string{"--config", path}, nil, nil)
	got := c.resolve(res)
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	want, err := mockidp.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []*mockidp.Config{&got, &want} {
		for i := range cfg.Clients {
			if len(cfg.Clients[i].SecretJWTKeyPEM) == 0 {
				cfg.Clients[i].SecretJWTKeyPEM = nil // LoadConfig gives []byte{}
			}
			if len(cfg.Clients[i].JWKS) == 0 {
				cfg.Clients[i].JWKS = nil
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the command read\n%+v\nmockidp.LoadConfig read\n%+v", got, want)
	}
	if !slices.Equal(got.SigningKeyPEM, key) {
		t.Error("signing_key_file was not read relative to the file")
	}
}

// TestConfigCheckedBeforeListening: with the port taken, a configuration
// error is still what mockidp reports.
func TestConfigCheckedBeforeListening(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	if err := run(context.Background(), []string{"--addr", addr, "--issuer", "ftp://x"}, nil, io.Discard); err == nil ||
		err.Error() != `--issuer "ftp://x": scheme must be http or https` {
		t.Errorf("bad config on a busy port: %v, want the config error", err)
	}
	if err := run(context.Background(), []string{"--addr", addr}, nil, io.Discard); err == nil || !strings.HasPrefix(err.Error(), "--addr: cannot listen: ") {
		t.Errorf("good config on a busy port: %v, want the listen error naming --addr", err)
	}
}
