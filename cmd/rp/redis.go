package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// redisLogger sets go-redis's logger, which is process-wide, once per process.
var redisLogger sync.Once

// isRedisURL reports whether a --session-store value names Redis: redis://, rediss://
// (TLS), and their +sentinel and +cluster forms. redisstore.ParseURL checks the rest.
func isRedisURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	base, _, _ := strings.Cut(u.Scheme, "+")
	return base == "redis" || base == "rediss"
}

// useRedis keeps sessions, and with them the back-channel replay cache and the
// revocation list (rp.New takes both from the session store), in the Redis at rawURL. Connections are made lazily, so Redis may be down at start.
func useRedis(ctx context.Context, rawURL string, cfg *rp.Config, log *slog.Logger) (*redisstore.Store, error) {
	redisLogger.Do(func() {
		redis.SetLogger(redisstore.ClientLogger{Logger: log.With("component", "go-redis")})
	})
	keys, err := indexKeys(cfg.CookieSecrets)
	if err != nil {
		return nil, err
	}
	st, err := redisstore.New(ctx, redisstore.Options{URL: rawURL, IndexSecrets: keys, Logger: log.With("component", "redis"), Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	cfg.SessionStore = redisstore.NewSessionStore(st, redisstore.SessionStoreConfig{
		IdleTimeout:  cfg.IdleTimeout,
		InsecureHTTP: !strings.HasPrefix(cfg.PublicURL, "https://"),
		Domain:       cfg.Gateway.CookieDomain,
		Now:          cfg.Now,
	})
	return st, nil
}

// indexKeys derives the keys of Redis's index names from the cookie secrets, one per
// secret and in the same order, so that rotating the cookie secrets rotates them too
// (the old ones are still looked up) while no secret is used for two purposes.
func indexKeys(secrets [][]byte) ([][]byte, error) {
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		k, err := hkdf.Key(sha256.New, s, nil, "foyer redis index v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive a Redis index key: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
