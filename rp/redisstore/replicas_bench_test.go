package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAuthenticatedRequest measures one signed-in request through RequireLogin
// (session load, lifetime and revocation checks, the user on the context) with cookie
// sessions and with Redis sessions (a redis-server on loopback: the session GET plus
// the revocation lookup). The difference is what the Redis store adds per request.
//
//	go test -run '^$' -bench AuthenticatedRequest -benchmem ./rp/redisstore
func BenchmarkAuthenticatedRequest(b *testing.B) {
	for _, tc := range []struct {
		name    string
		cookies bool
	}{{"cookie", true}, {"redis", false}} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFleet(b)
			r := f.replica(replicaOpt{cookieSessions: tc.cookies})
			c := browser()
			f.signIn(c, r)
			cookies := c.Jar.Cookies(mustURL(b, r.url))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, r.url+"/app/", nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				r.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d, want 200", rec.Code)
				}
			}
		})
	}
}
