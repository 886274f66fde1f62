package rp_test

import (
	"testing"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/sessiontest"
)

// TestCookieStoreConformance runs the session-store conformance suite against the
// cookie store.
func TestCookieStoreConformance(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, sessiontest.Target{
		New: func(t *testing.T, o sessiontest.Options) rp.SessionStore {
			st, err := rp.NewCookieStore(rp.CookieStoreConfig{
				Secrets: o.Secrets, InsecureHTTP: o.InsecureHTTP, Now: o.Now, IdleTimeout: o.IdleTimeout,
			})
			if err != nil {
				t.Fatalf("NewCookieStore: %v", err)
			}
			return st
		},
		SecretBound: true,
		Chunked:     true,
	})
}
