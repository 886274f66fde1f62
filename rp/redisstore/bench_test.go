package redisstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// The Redis memory of a typical session stays close to its data size: the
// encryption and key overhead is small and fixed (about 80 bytes plus the index
// values).
func TestMemoryPerSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, redisstore.Options{})
	data := typicalSession()
	ticket, err := e.st.Create(ctx, data, redisstore.Index{Issuer: iss, Subject: "alice", SID: "s1"}, time.Hour, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.raw.MemoryUsage(ctx, sessionKey(t, e.prefix, ticket)).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE: %v", err)
	}
	t.Logf("typical session: %d bytes of data, %d bytes in Redis (MEMORY USAGE), ticket %d bytes", len(data), n, len(ticket))
	// jemalloc rounds allocations up to size classes spaced a quarter apart.
	if limit := int64(len(data))*5/4 + 256; n > limit {
		t.Errorf("MEMORY USAGE = %d bytes for %d bytes of data, want at most %d", n, len(data), limit)
	}
}

func BenchmarkCreateLoad(b *testing.B) {
	e := newEnv(b, redisstore.Options{})
	data := typicalSession()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		idx := redisstore.Index{Issuer: iss, Subject: "user" + strconv.Itoa(i), SID: "sid" + strconv.Itoa(i)}
		ticket, err := e.st.Create(ctx, data, idx, time.Hour, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.st.Load(ctx, ticket); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is the per-request cost of the Redis store: one GET and one
// AES-GCM open of a typical session.
func BenchmarkLoad(b *testing.B) {
	e := newEnv(b, redisstore.Options{})
	data := typicalSession()
	ticket, err := e.st.Create(ctx, data, redisstore.Index{}, time.Hour, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	n, err := e.raw.MemoryUsage(ctx, sessionKey(b, e.prefix, ticket)).Result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n), "redis-bytes/session")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.st.Load(ctx, ticket); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkLock is one refresh lock taken and released.
func BenchmarkLock(b *testing.B) {
	e := newEnv(b, redisstore.Options{})
	b.ReportAllocs()
	for b.Loop() {
		unlock, err := e.st.Lock(ctx, "s", time.Second)
		if err != nil {
			b.Fatal(err)
		}
		unlock()
	}
}
