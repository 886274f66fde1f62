package rp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"
)

// signedInCookies signs h.client in at the mock provider and returns its session
// cookies and the session they hold: a real sign-in's tokens (ID, access and
// refresh token of the mock, RS256), not a synthetic session.
func signedInCookies(tb testing.TB, h *harness) ([]*http.Cookie, *Session) {
	tb.Helper()
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	cookies := h.client.Jar.Cookies(u)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	s, err := h.rp.store.Load(req)
	if err != nil || s == nil {
		tb.Fatalf("Load after sign-in: %v, %v", s, err)
	}
	return cookies, s
}

// cpuTime returns the CPU time this process has used (user and system).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU runs loop and reports the process CPU time per operation beside the
// wall-clock ns/op: on a machine shared with other work, CPU time is the steadier
// figure. Call it in place of the b.Loop loop.
func reportCPU(b *testing.B, op func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCookieStoreLoadCold measures decoding a real sign-in's session cookie
// that the cache has not seen: "identity", what forward auth and the proxy decode on
// every request (the tokens part stays packed), and "full", tokens and claims too
// (what RequireLogin and /auth/userinfo need).
func BenchmarkCookieStoreLoadCold(b *testing.B) {
	h := newHarness(b, harnessOpt{})
	cookies, _ := signedInCookies(b, h)
	st, err := NewCookieStore(CookieStoreConfig{Secrets: h.rp.settings.CookieSecrets, InsecureHTTP: true, Now: h.clock.Now, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	size := 0
	for _, c := range cookies {
		req.AddCookie(c)
		size += len(c.Value)
	}
	for _, tc := range []struct {
		name string
		lazy bool
	}{{"identity", true}, {"full", false}} {
		b.Run(tc.name, func(b *testing.B) {
			reportCPU(b, func() {
				s := st.load(req, tc.lazy)
				if s == nil {
					b.Fatal("no session")
				}
				if !tc.lazy {
					s.Claims()
				}
			})
			b.ReportMetric(float64(size), "cookie-bytes")
		})
	}
}

// BenchmarkVerifyManySessions measures GET /auth/verify round-robin over 10,000
// distinct signed-in sessions (more than the decode cache holds), as forward auth
// meets a site's users: each request's cookie is one the cache most likely lacks.
func BenchmarkVerifyManySessions(b *testing.B) {
	const sessions = 10000
	h := newHarness(b, harnessOpt{})
	_, s := signedInCookies(b, h)
	reqs := make([]*http.Request, sessions)
	for i := range reqs {
		cp := *s
		cp.ID = randomString(32)
		rec := httptest.NewRecorder()
		if err := h.rp.store.Save(rec, httptest.NewRequest(http.MethodGet, "/", nil), &cp); err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("X-Original-URI", "/app/page")
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		reqs[i] = req
	}
	handler := h.rp.Handler()
	i := 0
	reportCPU(b, func() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, reqs[i%sessions])
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		if len(rec.Result().Cookies()) != 0 {
			b.Fatal("verify wrote a cookie")
		}
		i++
	})
}
