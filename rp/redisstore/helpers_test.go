package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/redis/go-redis/v9"
)

// env is a store on its own redis-server, with a raw client to look behind it.
type env struct {
	srv    *redistest.Server
	prefix string
	st     *redisstore.Store
	raw    *redis.Client
	clock  *clock
}

// newEnv starts a redis-server and a store on it with a settable clock.
func newEnv(t testing.TB, opts redisstore.Options) *env {
	t.Helper()
	srv := redistest.Start(t)
	return onServer(t, srv, opts)
}

// onServer returns a store on srv with a unique prefix unless opts names one.
func onServer(t testing.TB, srv *redistest.Server, opts redisstore.Options) *env {
	t.Helper()
	c := &clock{t: time.Now()}
	opts.URL = srv.URL
	if opts.Prefix == "" {
		opts.Prefix = "t" + rand.Text()[:8] + ":"
	}
	if opts.Now == nil {
		opts.Now = c.now
	}
	st, err := redisstore.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = raw.Close() })
	return &env{srv: srv, prefix: opts.Prefix, st: st, raw: raw, clock: c}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionKey returns the Redis key of the session a ticket names.
func sessionKey(t testing.TB, prefix, ticket string) string {
	t.Helper()
	id, ok := redisstore.SessionID(ticket)
	if !ok {
		t.Fatalf("SessionID(%q) failed on a ticket from Create", ticket)
	}
	return prefix + "s:" + id
}

// typicalSession is about what rp stores for a signed-in user of Entra or Keycloak:
// an ID token, an access token and a refresh token, plus claims, as JSON.
func typicalSession() []byte {
	b := make([]byte, 900)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b) // ~1800 chars
	return []byte(`{"id":"x","p":"default","iss":"https://idp.example.com/realms/demo","sub":"248289761001",` +
		`"sid":"0f6a2c1e","csrf":"k2F9r0s1","ct":"2026-11-25T12:00:00Z","et":"2026-11-26T00:00:00Z",` +
		`"t":{"i":"` + tok[:1100] + `","a":"` + tok[:1000] + `","r":"` + tok[:700] + `"}}`)
}
