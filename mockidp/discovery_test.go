package mockidp

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func serve(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if host, ok := hdr["Host"]; ok {
		req.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestDiscoveryGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		alg, issuer, file string
		device, par       bool
	}{
		{"RS256", "http://127.0.0.1:9400", "discovery-rs256.json", false, false},
		{"EdDSA", "http://127.0.0.1:8080/mockidp", "discovery-eddsa-path.json", false, false},
		{"ES256", "https://127.0.0.1:9443", "discovery-device-par.json", true, true},
	} {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Issuer: tt.issuer, Alg: tt.alg, DeviceFlow: tt.device, RequirePAR: tt.par})
			if err != nil {
				t.Fatal(err)
			}
			iss, _ := url.Parse(tt.issuer)
			rec := serve(t, p, "GET", iss.Path+"/.well-known/openid-configuration", nil)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, rec.Body.Bytes(), "", "  "); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} { // the test's own list, not the production one
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Issuer: "http://127.0.0.1:9400", Alg: alg})
			if err != nil {
				t.Fatal(err)
			}
			rec := serve(t, p, "GET", "/jwks", nil)
			if ct := rec.Header().Get("Content-Type"); ct != "application/jwk-set+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 {
				t.Fatalf("%d keys, want 1", len(set.Keys))
			}
			k := set.Keys[0]
			if k.KeyID == "" || k.Algorithm != alg || k.Use != "sig" || !k.IsPublic() {
				t.Errorf("key kid=%q alg=%q use=%q public=%v; want a kid, %s, sig, public", k.KeyID, k.Algorithm, k.Use, k.IsPublic(), alg)
			}
			tok, err := p.Mint(map[string]any{"sub": "x"})
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			if jws.Signatures[0].Header.KeyID != k.KeyID {
				t.Errorf("minted kid %q, JWKS kid %q", jws.Signatures[0].Header.KeyID, k.KeyID)
			}
			if _, err := jws.Verify(k.Key); err != nil {
				t.Errorf("minted token does not verify with the JWKS key: %v", err)
			}
		})
	}
}

func TestRoutingUnderIssuerPath(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1:8080/mockidp"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mockidp/", p)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/mockidp/jwks", 200},
		{"GET", "/mockidp/healthz", 200},
		{"GET", "/mockidp/.well-known/openid-configuration", 200},
		{"GET", "/mockidp/.well-known/oauth-authorization-server", 200},
		{"GET", "/mockidp/nope", 404},
		{"GET", "/jwks", 404},
		{"GET", "/mockidpx/jwks", 404},
		{"POST", "/mockidp/jwks", 405},
		{"DELETE", "/mockidp/.well-known/openid-configuration", 405},
		{"GET", "/mockidp/token", 405},
		{"PUT", "/mockidp/authorize", 405},
		{"PUT", "/mockidp/end_session", 405},
	}
	for _, tt := range tests {
		if rec := serve(t, mux, tt.method, tt.path, nil); rec.Code != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}

func TestIssuerAuto(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: IssuerAuto, AutoPathPrefix: "/idp"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer() != "" {
		t.Errorf("Issuer() = %q, want \"\" in auto mode", p.Issuer())
	}
	tests := []struct {
		name    string
		hdr     map[string]string
		want    string
		wantErr bool
	}{
		{"host", map[string]string{"Host": "localhost:9400"}, "http://localhost:9400/idp", false},
		{"service name", map[string]string{"Host": "mockidp:9400"}, "http://mockidp:9400/idp", false},
		{"forwarded", map[string]string{"Host": "mockidp:9400", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "id.example.com"},
			"https://id.example.com/idp", false},
		{"forwarded list", map[string]string{"Host": "x", "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "a.example, b.example"},
			"https://a.example/idp", false},
		{"bad proto", map[string]string{"Host": "x", "X-Forwarded-Proto": "javascript"}, "", true},
		{"bad host", map[string]string{"Host": "x", "X-Forwarded-Host": "evil.com/path?"}, "", true},
		{"host with user", map[string]string{"Host": "x", "X-Forwarded-Host": "a@b"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, p, "GET", "/idp/.well-known/openid-configuration", tt.hdr)
			if tt.wantErr {
				if rec.Code != 400 {
					t.Errorf("status %d, want 400", rec.Code)
				}
				return
			}
			var d discoveryDoc
			if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			if d.Issuer != tt.want || d.TokenEndpoint != tt.want+"/token" {
				t.Errorf("issuer, token endpoint = %q, %q; want %q", d.Issuer, d.TokenEndpoint, tt.want)
			}
		})
	}
}
