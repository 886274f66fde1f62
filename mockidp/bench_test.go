package mockidp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// benchCodes stores n ready-to-redeem codes (without PKCE) for client demo.
func benchCodes(p *Provider, n int) []string {
	now := p.Now()
	codes := make([]string, n)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range codes {
		codes[i] = randomToken()
		p.codes[codes[i]] = &authCode{
			grant:       &grant{clientID: "demo", user: p.userList()[0], scopes: []string{"email", "openid", "profile"}, nonce: "n", authTime: now, sid: "sid"},
			redirectURI: testRedirect, expires: now.Add(p.cfg.CodeTTL),
		}
	}
	return codes
}

// BenchmarkToken measures the token endpoint handler redeeming a code:
// client authentication, two signatures (access and ID token) and the
// bookkeeping, without the network.
func BenchmarkToken(b *testing.B) {
	for _, alg := range supportedAlgs {
		b.Run(alg, func(b *testing.B) {
			p, err := New(Config{Issuer: "http://127.0.0.1:9400", Alg: alg})
			if err != nil {
				b.Fatal(err)
			}
			codes := benchCodes(p, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				form := "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testRedirect) + "&code=" + codes[i]
				req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth("demo", "demo-secret")
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkTokenParallel is BenchmarkToken/RS256 from all CPUs at once, to
// show that locks do not limit the token endpoint.
func BenchmarkTokenParallel(b *testing.B) {
	p, err := New(Config{Issuer: "http://127.0.0.1:9400"})
	if err != nil {
		b.Fatal(err)
	}
	codes := make(chan string, b.N)
	for _, c := range benchCodes(p, b.N) {
		codes <- c
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			form := "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testRedirect) + "&code=" + <-codes
			req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("demo", "demo-secret")
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkFlow measures one whole headless sign-in over loopback HTTP:
// authorization request, code exchange with PKCE, userinfo.
func BenchmarkFlow(b *testing.B) {
	ts := NewTestServer(b)
	rp := newRP(b, ts)
	ctx := context.Background()
	browser := newBrowser(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code, verifier := rp.login(b, browser, "st", "n")
		tok, err := rp.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures building a Provider (parsing the embedded key).
func BenchmarkNew(b *testing.B) {
	for _, alg := range supportedAlgs {
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := New(Config{Issuer: "http://127.0.0.1:9400", Alg: alg}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSign measures one JWT signature per algorithm: BenchmarkToken
// costs about two of these (access and ID token), so the token endpoint is
// limited by signing.
func BenchmarkSign(b *testing.B) {
	for _, alg := range supportedAlgs {
		b.Run(alg, func(b *testing.B) {
			k, err := loadSigningKey(alg, nil, 0)
			if err != nil {
				b.Fatal(err)
			}
			claims := map[string]any{"iss": "http://127.0.0.1:9400", "sub": "alice", "aud": "demo", "exp": 1, "iat": 1}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := k.sign(typJWT, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTLSSetup is what --tls adds to a start: a new ECDSA CA and the
// server certificate it issues.
func BenchmarkTLSSetup(b *testing.B) {
	hosts := TLSHosts(Config{Issuer: "https://127.0.0.1:9443"})
	for b.Loop() {
		ca, err := NewCA(hosts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ca.Issue(hosts); err != nil {
			b.Fatal(err)
		}
	}
}
