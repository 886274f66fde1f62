package integration

// Outage drills: what rp does when its provider goes away, answers too slowly
// or serves a broken key set, and (drills_sigterm_test.go) what rp and
// mockidp do when stopped under load. Each drill is bounded and waits on conditions, never on fixed sleeps.
// Redis stopped and restarted under load is drilled by
// rp/redisstore/replicas_outage_test.go (two replicas sharing one Redis).

import (
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// TestDrillProviderDown stops the provider, then starts a new one on the same
// address with another signing key:
//   - signed-in users keep being served throughout;
//   - a sign-in whose code comes back while the provider is down ends on the
//     503 "cannot be reached right now" page, with no session;
//   - an rp replica started during the outage answers /readyz 503 and sign-in
//     with a 503 page;
//   - when the provider is back, both recover without a restart, and tokens
//     signed by the new key are accepted.
func TestDrillProviderDown(t *testing.T) {
	t.Parallel()
	// An address from stack, below the kernel's ephemeral range: a port the
	// kernel picked would be free for any outgoing connection's source port
	// while the provider is down, and the new one could not listen on it.
	idp := startDrillProvider(t, stack.FreeAddr(t), nil, nil)
	issuer := "http://" + idp.addr
	a := startDrillRP(t, issuer, nil)
	a.waitReady(t)
	alice := signInAt(t, a)
	pending := drillBrowser()
	cb := callbackURL(t, a, pending) // a code issued just before the outage

	_ = idp.srv.Close() // the provider goes away
	a.transport.CloseIdleConnections()
	for range 5 {
		if st, body := drillGet(t, alice, a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
			t.Fatalf("signed-in user during the outage: got %d %.200q, want 200 \"hello alice\"", st, body)
		}
	}
	st, body := drillGet(t, pending, cb)
	t.Logf("callback while the provider is down: %d", st)
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached right now") || hasSession(pending, a) {
		t.Errorf("callback during the outage: got %d, session %v, body %.300q; want 503 \"cannot be reached right now\" and no session",
			st, hasSession(pending, a), body)
	}

	b := startDrillRP(t, issuer, nil) // a replica started during the outage
	if st, body := drillGet(t, drillBrowser(), b.url+"/readyz"); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz of a replica started during the outage: %d %s, want 503", st, body)
	}
	st, body = drillGet(t, drillBrowser(), b.url+"/auth/login?rd=/app/")
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached") {
		t.Errorf("sign-in at a replica started during the outage: got %d %.300q, want 503 \"cannot be reached\"", st, body)
	}

	// The provider comes back on the same address, with a key rp has never seen.
	idp2 := startDrillProvider(t, idp.addr, newRSAKeyPEM(t), nil)
	b.waitReady(t)
	if st, body := drillGet(t, drillBrowser(), b.url+"/readyz"); st != http.StatusOK {
		t.Errorf("/readyz after recovery: %d %s, want 200", st, body)
	}
	for _, d := range []*drillRP{a, b} {
		signInAt(t, d) // the new key's tokens verify (rp refetches the key set)
	}
	if st, body := drillGet(t, alice, a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
		t.Errorf("signed-in user after recovery: got %d %.200q", st, body)
	}
	_ = idp2
}

// TestDrillProviderSlow makes the token endpoint answer only after rp's HTTP
// client has given up: the sign-in ends on the 503 page with no session, and
// no goroutine is left behind. Not parallel: it counts the process's goroutines.
func TestDrillProviderSlow(t *testing.T) {
	idp := startDrillProvider(t, "127.0.0.1:0", nil, nil)
	d := startDrillRP(t, "http://"+idp.addr, func(c *rp.Config) {
		c.HTTPClient = &http.Client{Transport: c.HTTPClient.Transport, Timeout: time.Second}
	})
	d.waitReady(t)
	signInAt(t, d) // warm: every pool and cache that lives on exists now
	settle := func() int {
		d.transport.CloseIdleConnections()
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		return runtime.NumGoroutine()
	}
	before := settle()

	idp.InjectFault(mockidp.Fault{Delay: time.Minute, Times: 3}) // token endpoint: until the request is cancelled
	c := drillBrowser()
	st, body := drillGet(t, c, d.url+"/app/")
	t.Logf("sign-in with a slow token endpoint: %d", st)
	if st != http.StatusServiceUnavailable || hasSession(c, d) || !strings.Contains(body, "cannot be reached right now") {
		t.Errorf("sign-in with a slow token endpoint: got %d, session %v, body %.300q; want 503 \"cannot be reached right now\", no session",
			st, hasSession(c, d), body)
	}
	c.CloseIdleConnections()
	waitFor(t, "goroutines back to the baseline", func() error {
		if n := settle(); n > before {
			return errors.New(strconv.Itoa(n) + " goroutines, baseline " + strconv.Itoa(before))
		}
		return nil
	})
	idp.ClearFaults()
	signInAt(t, d) // and sign-in works again
}

// TestDrillBrokenJWKS rotates the provider's key while its key set answers
// garbage or a body far larger than rp's response cap. A sign-in then needs the
// new key: it must fail closed (error page, no session), rp must stop reading
// the huge body at its cap, and signed-in users are not affected.
func TestDrillBrokenJWKS(t *testing.T) {
	t.Parallel()
	const huge = 64 << 20
	for name, jwks := range map[string]func(w http.ResponseWriter, sent *atomic.Int64){
		"garbage": func(w http.ResponseWriter, _ *atomic.Int64) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"keys": [{"kty": "RSA", "n": "%%%", "e": 12}], garbage`)
		},
		"huge": func(w http.ResponseWriter, sent *atomic.Int64) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(`{"keys":[` + strings.Repeat(" ", 32<<10-9))
			for sent.Load() < huge {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return // rp hung up
				}
				chunk = []byte(strings.Repeat(" ", 32<<10))
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var broken atomic.Bool
			var sent atomic.Int64
			idp := startDrillProvider(t, "127.0.0.1:0", nil, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if broken.Load() && r.URL.Path == "/jwks" {
						jwks(w, &sent)
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			d := startDrillRP(t, "http://"+idp.addr, nil)
			d.waitReady(t)
			alice := signInAt(t, d)

			broken.Store(true)
			if err := idp.RotateKey(); err != nil {
				t.Fatal(err)
			}
			c := drillBrowser()
			st, body := drillGet(t, c, d.url+"/app/")
			t.Logf("sign-in needing a key: %d; key set bytes written before rp hung up: %d", st, sent.Load())
			if st < 400 || hasSession(c, d) {
				t.Errorf("sign-in needing a key from a broken key set: got %d, session %v, body %.300q; want an error page, no session",
					st, hasSession(c, d), body)
			}
			if name == "huge" && sent.Load() >= huge {
				t.Errorf("rp read the whole %d MiB key set; want it to stop at its response cap", huge>>20)
			}
			if st, body := drillGet(t, alice, d.url+"/app/"); st != http.StatusOK || body != "hello alice" {
				t.Errorf("signed-in user with a broken key set: got %d %.200q", st, body)
			}
		})
	}
}
