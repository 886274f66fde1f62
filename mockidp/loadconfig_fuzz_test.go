package mockidp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzLoadConfig feeds arbitrary bytes to the YAML loader. Properties: no
// panic; a file either fails to load or gives a Config; New on a loaded
// Config either reports an error or gives a provider whose discovery document
// and key set are served as 200 JSON (a config that validates works).
func FuzzLoadConfig(f *testing.F) {
	for _, s := range []string{
		"",
		"issuer: http://127.0.0.1:9400\nlogin: auto\nalg: ES256\n",
		"lifetimes: {code: 1m, access_token: 2s, id_token: 1h, refresh_token: 24h, session: 12h}\n",
		"lifetimes: {code: -1s}\n",
		"lifetimes: {code: 99999999999999h}\n",
		"clients:\n  - id: app\n    secret: s\n    redirect_uris: [http://127.0.0.1:8080/auth/callback]\n    backchannel_logout_uri: http://127.0.0.1:8080/auth/backchannel-logout\n",
		"clients: []\nusers: []\n",
		"users:\n  - sub: carol\n    claims: {email: carol@example.com, email_verified: true, groups: [users], nested: {a: [1, {b: null}]}}\n",
		"users:\n  - sub: ''\n",
		"signing_key: |\n  -----BEGIN PRIVATE KEY-----\n  AAAA\n  -----END PRIVATE KEY-----\n",
		"signing_key_file: missing.pem\n",
		"alg: HS256\n",
		"unknown: 1\n",
		"&a [*a]",
		"a: &a [*a, *a, *a]\nb: &b [*a, *a, *a]\n",
		"issuer: auto\nauto_path_prefix: /mockidp\n",
		"persona: auth0\nissuer: http://127.0.0.1:9400\n",
		"--- \n--- \n",
		"key_overlap: 1ns\njwks_cache_control: \"max-age=\\r\\n\"\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := parseConfig(b, dir)
		if err != nil {
			return
		}
		if cfg.Issuer == "" {
			cfg.Issuer = fuzzIssuer
		}
		p, err := New(cfg)
		if err != nil {
			return
		}
		base := fuzzIssuer
		if cfg.Issuer != IssuerAuto {
			base = strings.TrimSuffix(p.Issuer(), "/") // Auth0 style issuers end in a slash
		} else {
			base += cfg.AutoPathPrefix
		}
		for _, path := range []string{"/.well-known/openid-configuration", "/jwks"} {
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, base+path, nil))
			var m map[string]any
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &m) != nil {
				t.Fatalf("config %q loads and validates, but %s answers %d: %.300s", b, path, rec.Code, rec.Body)
			}
		}
	})
}
