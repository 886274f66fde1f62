package redisstore_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/redis/go-redis/v9"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url      string
		addrs    []string
		db       int
		user     string
		password string
		master   string
		cluster  bool
		tls      bool
	}{
		{url: "redis://127.0.0.1:6379/0", addrs: []string{"127.0.0.1:6379"}},
		{url: "redis://redis", addrs: []string{"redis:6379"}},
		{url: "redis://:pw@redis:6380/3", addrs: []string{"redis:6380"}, db: 3, password: "pw"},
		{url: "redis://user:pw@redis/1?dial_timeout=1s", addrs: []string{"redis:6379"}, db: 1, user: "user", password: "pw"},
		{url: "rediss://redis.example:6380/2", addrs: []string{"redis.example:6380"}, db: 2, tls: true},
		{url: "redis+sentinel://s1:26379/0?master_name=mymaster&addr=s2:26379", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{url: "rediss+sentinel://s1:26379?master_name=m&password=masterpw", addrs: []string{"s1:26379"}, master: "m", password: "masterpw", tls: true},
		{url: "redis+cluster://n1:7000?addr=n2:7001&addr=n3:7002", addrs: []string{"n1:7000", "n2:7001", "n3:7002"}, cluster: true},
		{url: "rediss+cluster://n1:7000", addrs: []string{"n1:7000"}, cluster: true, tls: true},
	} {
		o, err := redisstore.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if strings.Join(o.Addrs, ",") != strings.Join(tc.addrs, ",") || o.DB != tc.db || o.Username != tc.user ||
			o.Password != tc.password || o.MasterName != tc.master || o.IsClusterMode != tc.cluster || (o.TLSConfig != nil) != tc.tls {
			t.Errorf("ParseURL(%q) = addrs %q db %d user %q password %q master %q cluster %v tls %v;\nwant addrs %q db %d user %q password %q master %q cluster %v tls %v",
				tc.url, o.Addrs, o.DB, o.Username, o.Password, o.MasterName, o.IsClusterMode, o.TLSConfig != nil,
				tc.addrs, tc.db, tc.user, tc.password, tc.master, tc.cluster, tc.tls)
		}
	}
	if o, _ := redisstore.ParseURL("redis://r/0?dial_timeout=750ms&pool_size=7"); o.DialTimeout != 750*time.Millisecond || o.PoolSize != 7 {
		t.Errorf("query options: dial_timeout %v pool_size %d, want 750ms and 7", o.DialTimeout, o.PoolSize)
	}
}

func TestParseURLRejects(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"",
		"redis",
		"http://redis:6379",
		"memcached://secretpw@x",
		"redis+ring://x",
		"redis://:secretpw@x/notanumber",
		"redis://:secretpw@x/1/2",
		"redis://:secretpw@x/0?unknown_option=1",
		"redis+sentinel://:secretpw@s1:26379/0", // no master_name
		"redis+cluster://:secretpw@n1?nonsense=1",
		"redis://:secretpw@[::1",
	} {
		_, err := redisstore.ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded, want an error", raw)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("ParseURL(%q) error %q reveals the password", raw, err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts redisstore.Options
		want []string // every one must appear in the error
	}{
		{"nothing", redisstore.Options{}, []string{"no Redis URL"}},
		{"bad scheme", redisstore.Options{URL: "http://x"}, []string{"scheme"}},
		{"both", redisstore.Options{URL: "redis://x", Universal: &redis.UniversalOptions{Addrs: []string{"x:1"}}}, []string{"not both"}},
		{"no address", redisstore.Options{Universal: &redis.UniversalOptions{}}, []string{"no Redis address"}},
		{"everything wrong at once", redisstore.Options{URL: "memcached://x", Timeout: -1, IndexSecrets: [][]byte{[]byte("short")}},
			[]string{"scheme", "negative timeout", "index secret 0"}},
	} {
		st, err := redisstore.New(ctx, tc.opts)
		if err == nil {
			st.Close()
			t.Errorf("%s: New succeeded, want an error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}

// New succeeds while Redis is down (lazy connect); the first use reports it.
func TestNewIsLazy(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	st, err := redisstore.New(ctx, redisstore.Options{URL: "redis://" + addr + "/0", Timeout: time.Second})
	if err != nil {
		t.Fatalf("New with Redis down: %v, want success (lazy connect)", err)
	}
	defer st.Close()
	if err := st.Ping(ctx); !errors.Is(err, redisstore.ErrUnavailable) {
		t.Errorf("Ping with Redis down: err = %v, want ErrUnavailable", err)
	}
}
