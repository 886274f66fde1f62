package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used (user and system): with Redis
// on the same machine, what rp spends per request, beside the wall clock.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAuthenticatedRequest measures one signed-in request through RequireLogin
// (session load, lifetime and revocation checks, the user on the context), and one
// to /auth/verify (forward auth: no claims, no Set-Cookie), with cookie
// sessions and with Redis sessions (a redis-server on loopback: the session, its
// last-seen time and its revocations in one pipeline). The difference is what the
// Redis store adds per request; cpu-ns/op is this process's CPU (Redis's is apart).
//
//	go test -run '^$' -bench AuthenticatedRequest -benchmem ./rp/redisstore
func BenchmarkAuthenticatedRequest(b *testing.B) {
	for _, tc := range []struct {
		name    string
		cookies bool
		path    string
	}{
		{"cookie", true, "/app/"}, {"redis", false, "/app/"},
		{"cookie verify", true, "/auth/verify"}, {"redis verify", false, "/auth/verify"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFleet(b)
			r := f.replica(replicaOpt{cookieSessions: tc.cookies})
			c := browser()
			f.signIn(c, r)
			cookies := c.Jar.Cookies(mustURL(b, r.url))
			b.ReportAllocs()
			start := cpuTime(b)
			defer func() { b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op") }()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, r.url+tc.path, nil)
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
