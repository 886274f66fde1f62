package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/foyer-oidc/foyer/rp/sessiontest"
)

// TestSessionStoreConformance runs the session-store conformance suite against the
// Redis session store, on a real redis-server. Each subtest has its own key prefix,
// shared by the stores it makes (replicas, restarts).
func TestSessionStoreConformance(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	sessiontest.Run(t, sessiontest.Target{
		New: func(t *testing.T, o sessiontest.Options) rp.SessionStore {
			sum := sha256.Sum256([]byte(t.Name()))
			st, err := redisstore.New(context.Background(), redisstore.Options{
				URL: srv.URL, Prefix: "c" + hex.EncodeToString(sum[:6]) + ":", Timeout: 2 * time.Second, Now: o.Now,
			})
			if err != nil {
				t.Fatalf("redisstore.New: %v", err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return redisstore.NewSessionStore(st, redisstore.SessionStoreConfig{
				IdleTimeout: o.IdleTimeout, InsecureHTTP: o.InsecureHTTP, Now: o.Now,
			})
		},
		ServerSide: true,
	})
}
