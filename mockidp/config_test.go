package mockidp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; nil means valid
	}{
		{"defaults", Config{Issuer: "http://127.0.0.1:9400"}, nil},
		{"auto", Config{Issuer: "auto", AutoPathPrefix: "/idp"}, nil},
		{"https with path", Config{Issuer: "https://id.example.com/tenant/v2.0"}, nil},
		{"no issuer", Config{}, []string{"Issuer: required"}},
		{"relative issuer", Config{Issuer: "/mockidp"}, []string{"scheme"}},
		{"issuer with query", Config{Issuer: "http://x/?a=b"}, []string{"no user, query or fragment"}},
		{"issuer with fragment", Config{Issuer: "http://x#f"}, []string{"no user, query or fragment"}},
		{"issuer trailing slash", Config{Issuer: "http://x/"}, []string{"must not end with /"}},
		{"bad auto prefix", Config{Issuer: "auto", AutoPathPrefix: "idp/"}, []string{"AutoPathPrefix"}},
		{"auto prefix with a space", Config{Issuer: "auto", AutoPathPrefix: "/ 0"}, []string{`AutoPathPrefix "/ 0": the path may only hold letters, digits and -._~!$&'()*+,;=:@/, not ' '`}},
		{"auto prefix with a quote", Config{Issuer: "auto", AutoPathPrefix: "/a\"b"}, []string{"AutoPathPrefix", `'"'`}},
		{"auto prefix with //", Config{Issuer: "auto", AutoPathPrefix: "/a//b"}, []string{"AutoPathPrefix", "empty"}},
		{"auto prefix with ..", Config{Issuer: "auto", AutoPathPrefix: "/a/../b"}, []string{"AutoPathPrefix", `".."`}},
		{"auto prefix with .", Config{Issuer: "auto", AutoPathPrefix: "/."}, []string{"AutoPathPrefix", `"."`}},
		{"auto prefix with a control byte", Config{Issuer: "auto", AutoPathPrefix: "/a\x01"}, []string{"AutoPathPrefix", `'\x01'`}},
		{"auto prefix escaped", Config{Issuer: "auto", AutoPathPrefix: "/a%20b/c"}, []string{"AutoPathPrefix", `'%'`}},
		{"auto prefix of every allowed byte", Config{Issuer: "auto", AutoPathPrefix: "/aZ09-._~!$&'()*+,;=:@/x"}, nil},
		{"issuer with a space", Config{Issuer: "http://x/ a"}, []string{`Issuer "http://x/ a": the path may only hold letters, digits and -._~!$&'()*+,;=:@/, not ' '`}},
		{"issuer with <", Config{Issuer: "http://x/a<b"}, []string{"Issuer", `'<'`}},
		{"issuer with //", Config{Issuer: "http://x/a//b"}, []string{"Issuer", "empty"}},
		{"issuer with ..", Config{Issuer: "http://x/a/.."}, []string{"Issuer", `".."`}},
		{"issuer escaped", Config{Issuer: "http://x/a%20b"}, []string{"Issuer", `'%'`}},
		{"everything wrong at once", Config{
			Issuer: "ftp://x", Login: "magic", Alg: "HS256", CodeTTL: time.Millisecond,
			Clients: []Client{{ID: ""}, {ID: "a", RedirectURIs: []string{"/relative"}}, {ID: "a", BackchannelLogoutURI: "x"}},
			Users:   []User{{Subject: ""}, {Subject: "u"}, {Subject: "u"}},
		}, []string{"scheme", "Login", "Alg", "CodeTTL", "empty ID", "duplicate ID", "/relative", "BackchannelLogoutURI", "empty Subject", "duplicate Subject"}},
		{"no clients", Config{Issuer: "http://x", Clients: []Client{}}, []string{"at least one client"}},
		{"no users", Config{Issuer: "http://x", Users: []User{}}, []string{"at least one user"}},
		{"fragment redirect", Config{Issuer: "http://x", Clients: []Client{{ID: "a", RedirectURIs: []string{"https://a/#x"}}}}, []string{"without fragment"}},
		{"key for another alg", Config{Issuer: "http://x", Alg: "ES256", SigningKeyPEM: mustDevKey(t, "rs256")}, []string{"cannot sign ES256"}},
		{"garbage key", Config{Issuer: "http://x", SigningKeyPEM: []byte("not pem")}, []string{"no PEM block"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if tt.want == nil {
				if err != nil {
					t.Errorf("New: %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func mustDevKey(t *testing.T, name string) []byte {
	t.Helper()
	b, err := devKeys.ReadFile("devkeys/" + name + ".pem")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ecKeyPEM(t *testing.T, sec1 bool) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if sec1 {
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func TestCustomSigningKey(t *testing.T) {
	t.Parallel()
	for _, sec1 := range []bool{false, true} {
		p, err := New(Config{Issuer: "http://x", Alg: "ES256", SigningKeyPEM: ecKeyPEM(t, sec1)})
		if err != nil {
			t.Fatalf("sec1=%v: %v", sec1, err)
		}
		dev, _ := New(Config{Issuer: "http://x", Alg: "ES256"})
		if p.keys.Load().current.kid == dev.keys.Load().current.kid {
			t.Error("custom key has the development key's kid")
		}
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), ecKeyPEM(t, false), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mockidp.yaml")
	yaml := `
issuer: http://127.0.0.1:9400
login: auto
alg: ES256
signing_key_file: key.pem
lifetimes: {code: 30s, access_token: 10m, id_token: 5m, refresh_token: 2h, session: 1h}
clients:
  - id: app
    secret: app-secret
    redirect_uris: [http://127.0.0.1:8080/auth/callback]
    post_logout_redirect_uris: [http://127.0.0.1:8080/]
    backchannel_logout_uri: http://127.0.0.1:8080/auth/backchannel-logout
  - id: spa
    allow_loopback_redirects: true
users:
  - sub: carol
    claims: {email: carol@example.com, email_verified: true, groups: [users], address: {country: NZ}}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "http://127.0.0.1:9400" || cfg.Login != "auto" || cfg.Alg != "ES256" || len(cfg.SigningKeyPEM) == 0 {
		t.Errorf("issuer/login/alg/key = %q %q %q %d", cfg.Issuer, cfg.Login, cfg.Alg, len(cfg.SigningKeyPEM))
	}
	if cfg.CodeTTL != 30*time.Second || cfg.AccessTokenTTL != 10*time.Minute || cfg.IDTokenTTL != 5*time.Minute ||
		cfg.RefreshTokenTTL != 2*time.Hour || cfg.SessionTTL != time.Hour {
		t.Errorf("lifetimes = %v %v %v %v %v", cfg.CodeTTL, cfg.AccessTokenTTL, cfg.IDTokenTTL, cfg.RefreshTokenTTL, cfg.SessionTTL)
	}
	if len(cfg.Clients) != 2 || cfg.Clients[0].BackchannelLogoutURI == "" || !cfg.Clients[1].AllowLoopbackRedirects || cfg.Clients[1].Secret != "" {
		t.Errorf("clients = %+v", cfg.Clients)
	}
	if len(cfg.Users) != 1 || cfg.Users[0].Subject != "carol" || cfg.Users[0].Claims["email"] != "carol@example.com" {
		t.Errorf("users = %+v", cfg.Users)
	}
	if _, err := New(cfg); err != nil {
		t.Errorf("New(loaded config): %v", err)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "issuer: http://x\nclient: []\n", "field client not found"},
		{"bad duration", "lifetimes: {code: soon}\n", "soon"},
		{"both keys", "signing_key: x\nsigning_key_file: y\n", "not both"},
		{"missing key file", "signing_key_file: nope.pem\n", "nope.pem"},
		{"not yaml", "{{{", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig: %v, want an error with %q", err, tt.want)
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Error("LoadConfig of a missing file succeeded")
	}
	if cfg, err := parseConfig(nil, "."); err != nil || cfg.Clients != nil || cfg.Users != nil {
		t.Errorf("empty file: %+v, %v; want defaults", cfg, err)
	}
}
