package bench_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/bench"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// inProcess is an rp and a mockidp (auto login) on loopback test servers in
// this process: what the load tool drives as processes, here for tests and
// for profiling with go test -cpuprofile.
type inProcess struct {
	mock  *mockidp.TestServer
	rp    *rp.RP
	rpURL string
}

// newInProcess starts the pair, signing with alg, and waits until rp has
// discovered the mock.
func newInProcess(tb testing.TB, alg string) *inProcess {
	tb.Helper()
	mock := mockidp.NewTestServer(tb, mockidp.WithAlg(alg))
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	rpURL := "http://" + srv.Listener.Addr().String()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	p, err := rp.New(ctx, rp.Config{
		PublicURL:     rpURL,
		CookieSecrets: [][]byte{secret},
		Providers: []rp.ProviderConfig{{
			ID: "mock", Issuer: mock.Issuer, ClientID: mock.ClientID, ClientSecret: mock.ClientSecret,
		}},
	})
	if err != nil {
		tb.Fatalf("rp.New: %v", err)
	}
	h := p.Handler()
	mux.Handle("/auth/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Labelled, so that a profile can tell rp's work (and the calls it makes)
		// from the mock's and the load's: go tool pprof -tagfocus who=rp.
		pprof.Do(r.Context(), pprof.Labels("who", "rp"), func(ctx context.Context) { h.ServeHTTP(w, r.WithContext(ctx)) })
	}))
	srv.Start()
	tb.Cleanup(srv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		tb.Fatalf("rp did not discover the mock: %v", err)
	}
	return &inProcess{mock: mock, rp: p, rpURL: rpURL}
}

func TestSignerSignsIn(t *testing.T) {
	t.Parallel()
	st := newInProcess(t, "EdDSA")
	s := &bench.Signer{Base: st.rpURL, WantUser: "alice", Transport: http.DefaultTransport}
	cookie, err := s.SignIn(t.Context())
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	// The cookies must be a session: userinfo with them alone names alice.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, st.rpURL+"/auth/userinfo", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("userinfo with the returned cookies: status %d, want 200", resp.StatusCode)
	}
}

func TestSignerReportsFailures(t *testing.T) {
	t.Parallel()
	st := newInProcess(t, "ES256")
	tests := []struct {
		name    string
		signer  bench.Signer
		fault   *mockidp.Fault
		wantErr string
	}{
		{"wrong user", bench.Signer{Base: st.rpURL, WantUser: "bob"}, nil, `user "alice"; want 2xx and "bob"`},
		{"provider denies", bench.Signer{Base: st.rpURL, WantUser: "alice"}, &mockidp.Fault{AuthError: "access_denied"}, "sign-in: /auth/callback: status 4"},
		{"bad ID token", bench.Signer{Base: st.rpURL, WantUser: "alice"}, &mockidp.Fault{IDTokenSigning: mockidp.SigningBadSignature}, "sign-in: /auth/callback: status 401"},
		{"nothing listening", bench.Signer{Base: "http://127.0.0.1:1", WantUser: "alice"}, nil, "sign-in: GET http://127.0.0.1:1/auth/login"},
		{"a refusal before the callback", bench.Signer{Base: st.rpURL, WantUser: "alice", Paths: bench.Paths{Start: "/auth/userinfo", Callback: "/auth/callback", Verify: "/auth/verify"}}, nil, "sign-in: /auth/userinfo: status 401"},
	}
	for _, tt := range tests { // sequential: faults apply to the next sign-in
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				st.mock.InjectFault(*tt.fault)
			}
			s := tt.signer
			s.Transport = http.DefaultTransport
			_, err := s.SignIn(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SignIn error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkSignIn measures complete sign-ins (login, authorize, callback with
// token exchange and ID token verification, forward auth) over loopback HTTP with
// rp and mockidp in this process. Profile it with
//
//	go test -run '^$' -bench SignIn/RS256 -cpuprofile cpu.out ./internal/bench/
func BenchmarkSignIn(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			st := newInProcess(b, alg)
			s := &bench.Signer{Base: st.rpURL, WantUser: "alice", Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.SignIn(context.Background()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
		})
	}
}
