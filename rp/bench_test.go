package rp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkCallback measures GET /auth/callback: login cookie, code exchange with the
// in-process mock provider over loopback, ID token verification, userinfo, session cookie.
func BenchmarkCallback(b *testing.B) {
	h := newHarness(b, harnessOpt{})
	c := noFollow(h.client)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		resp, _ := h.get(c, "/auth/login")
		resp, _ = h.get(c, resp.Header.Get("Location"))
		cb := resp.Header.Get("Location")
		b.StartTimer()
		resp, _ = h.get(c, cb)
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("callback: %d", resp.StatusCode)
		}
	}
}

// BenchmarkAuthenticatedRequest measures RequireLogin on a signed-in request: session
// cookie decode (decrypt, MAC, inflate, JSON), lifetime checks and the user on the context.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	h := newHarness(b, harnessOpt{})
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	cookies := h.client.Jar.Cookies(u)
	handler := h.rp.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := UserFromContext(r.Context()); !ok {
			b.Fatal("no user")
		}
		io.WriteString(w, "ok")
	}))
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/app/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkCookieStoreLoadLarge measures decoding a two-chunk session (2 KB ID token, 100 groups).
func BenchmarkCookieStoreLoadLarge(b *testing.B) {
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	s := largeSession(st.now())
	rec := httptest.NewRecorder()
	if err := st.Save(rec, httptest.NewRequest("GET", "/", nil), s); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := st.Load(req); got == nil {
			b.Fatal("no session")
		}
	}
}

// BenchmarkCookieStoreSaveLarge measures encoding a two-chunk session.
func BenchmarkCookieStoreSaveLarge(b *testing.B) {
	st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	s := largeSession(st.now())
	req := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Save(httptest.NewRecorder(), req, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures GET /auth/verify for a signed-in request (forward auth).
func BenchmarkVerify(b *testing.B) {
	h := newHarness(b, harnessOpt{})
	h.benchVerify(b)
}

// benchVerify signs h.client in and measures GET /auth/verify with its cookies.
func (h *harness) benchVerify(b *testing.B) {
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	req := httptest.NewRequest(http.MethodGet, h.srv.URL+"/auth/verify", nil)
	for _, c := range h.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	handler := h.rp.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
