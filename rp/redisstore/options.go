package redisstore

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults applied to zero values of [Options].
const (
	// DefaultPrefix starts every key the store writes.
	DefaultPrefix = "foyer:"
	// DefaultTimeout bounds each store operation, connection attempts included.
	DefaultTimeout = 2 * time.Second
)

// Options configures a [Store]. Exactly one of URL and Universal is required; every
// other field has a safe default.
type Options struct {
	// URL locates Redis (or Valkey); see [ParseURL] for the accepted forms, e.g.
	// "redis://:password@redis:6379/0", "rediss://redis.example:6380/2",
	// "redis+sentinel://sentinel:26379/0?master_name=mymaster" or
	// "redis+cluster://node1:6379?addr=node2:6379".
	URL string
	// Universal configures the go-redis client directly, for what a URL cannot say
	// (a custom TLS config, a credentials provider). It is copied; the store turns
	// on ContextTimeoutEnabled in its copy.
	Universal *redis.UniversalOptions

	// Prefix starts every key, so that several deployments can share a database.
	// Empty: [DefaultPrefix].
	Prefix string
	// IndexSecrets key the HMAC that turns issuer, subject, sid and jti values into
	// key names, so that a Redis dump does not show who is signed in. The first is
	// used to write; all are used to look up, so a new secret can be put first and
	// the old one kept for the absolute session lifetime. Empty: names are plain
	// SHA-256 hashes, which hide values from a casual reader but let someone who
	// guesses a subject confirm it.
	IndexSecrets [][]byte
	// Timeout bounds each operation. Zero: [DefaultTimeout]. Unless the URL or
	// Universal says otherwise, the client also dials once per attempt, retries a
	// command once, and never waits longer than Timeout for a connection, so an
	// outage is reported quickly rather than after the whole Timeout.
	Timeout time.Duration
	// Logger receives debug lines about best-effort cleanups that failed. It never
	// sees tickets, keys or session data. Nil: discard.
	Logger *slog.Logger
	// Now is the clock that decides absolute deadlines. Nil: time.Now.
	Now func() time.Time
}

// ParseURL turns a session-store URL into go-redis options:
//
//   - redis://[user:password@]host[:port][/db][?option=value...] and rediss://
//     (TLS) reach one server; options are go-redis's ([redis.ParseURL]), e.g.
//     dial_timeout=1s, pool_size=20, skip_verify=true.
//   - redis+sentinel:// and rediss+sentinel:// reach the master that Sentinel
//     names: the host is one sentinel, more are added with addr=host:port, and
//     master_name=NAME is required. The user and password in the URL are the
//     sentinels'; the master's go in the username= and password= options
//     ([redis.ParseFailoverURL]).
//   - redis+cluster:// and rediss+cluster:// reach a Redis Cluster: the host is
//     one seed node, more are added with addr=host:port ([redis.ParseClusterURL]).
//
// The password is never part of an error message.
func ParseURL(raw string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("redisstore: the Redis URL does not parse")
	}
	base, mode, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("redisstore: Redis URL scheme %q: want redis, rediss, redis+sentinel or redis+cluster", u.Scheme)
	}
	u.Scheme = base
	plain := u.String()
	switch mode {
	case "":
		o, err := redis.ParseURL(plain)
		if err != nil {
			return nil, fmt.Errorf("redisstore: Redis URL: %w", err)
		}
		return fromSimple(o), nil
	case "sentinel":
		o, err := redis.ParseFailoverURL(plain)
		if err != nil {
			return nil, fmt.Errorf("redisstore: Redis Sentinel URL: %w", err)
		}
		if o.MasterName == "" {
			return nil, errors.New("redisstore: Redis Sentinel URL: master_name=NAME is required")
		}
		return fromFailover(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(plain)
		if err != nil {
			return nil, fmt.Errorf("redisstore: Redis Cluster URL: %w", err)
		}
		return fromCluster(o), nil
	default:
		return nil, fmt.Errorf("redisstore: Redis URL scheme %q: want redis, rediss, redis+sentinel or redis+cluster", u.Scheme+"+"+mode)
	}
}

// fromSimple copies the fields of a single-server configuration.
func fromSimple(o *redis.Options) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: []string{o.Addr}, DB: o.DB, ClientName: o.ClientName, Protocol: o.Protocol,
		Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
		MaxRetries: o.MaxRetries, MinRetryBackoff: o.MinRetryBackoff, MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout: o.DialTimeout, DialerRetries: o.DialerRetries, DialerRetryTimeout: o.DialerRetryTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolFIFO: o.PoolFIFO, PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout,
		MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
	}
}

// fromFailover copies the fields of a Sentinel configuration.
func fromFailover(o *redis.FailoverOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: o.SentinelAddrs, MasterName: o.MasterName, DB: o.DB, ClientName: o.ClientName,
		Protocol: o.Protocol, Username: o.Username, Password: o.Password,
		SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword, TLSConfig: o.TLSConfig,
		MaxRetries: o.MaxRetries, MinRetryBackoff: o.MinRetryBackoff, MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout: o.DialTimeout, DialerRetries: o.DialerRetries, DialerRetryTimeout: o.DialerRetryTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolFIFO: o.PoolFIFO, PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout,
		MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
		RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
	}
}

// fromCluster copies the fields of a Cluster configuration.
func fromCluster(o *redis.ClusterOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: o.Addrs, IsClusterMode: true, ClientName: o.ClientName, Protocol: o.Protocol,
		Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
		MaxRedirects: o.MaxRedirects, ReadOnly: o.ReadOnly,
		RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
		MaxRetries: o.MaxRetries, MinRetryBackoff: o.MinRetryBackoff, MaxRetryBackoff: o.MaxRetryBackoff,
		DialTimeout: o.DialTimeout, DialerRetries: o.DialerRetries, DialerRetryTimeout: o.DialerRetryTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolFIFO: o.PoolFIFO, PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout,
		MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns, MaxActiveConns: o.MaxActiveConns,
		ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
	}
}
