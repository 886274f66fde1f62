package redisstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/redis/go-redis/v9"
)

// startCluster starts a three-master Redis Cluster of redis-server processes on
// loopback (no replicas), waits until it serves every slot, and returns its
// redis+cluster:// URL and a client for each node. It needs redis-server and
// redis-cli (the Debian package redis-tools); without them the test is skipped,
// or fails under REQUIRE_REDIS=1.
func startCluster(t testing.TB) (string, []*redis.Client) {
	t.Helper()
	bin := stack.Require(t, stack.Redis)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if stack.Required(stack.Redis.Name) {
			t.Fatalf("redis-cli not found (REQUIRE_REDIS=1): %v", err)
		}
		t.Skip("redis-cli not found: a Redis Cluster cannot be created")
	}
	var addrs, logs []string
	var nodes []*redis.Client
	for range 3 {
		// Both the client port and the cluster bus port come from stack, below the
		// kernel's ephemeral range. The default bus port, port + 10000, may be
		// taken by any outgoing connection's source port (the node then never
		// starts), or pass 65535 (redis-server refuses a port above 55535).
		port, bus := stack.FreePort(t), stack.FreePort(t)
		for bus == port {
			bus = stack.FreePort(t)
		}
		dir := t.TempDir()
		logs = append(logs, filepath.Join(dir, "redis.log"))
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--cluster-port", strconv.Itoa(bus), "--bind", "127.0.0.1", "--dir", dir,
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		addrs = append(addrs, addr)
		c := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { c.Close() })
		nodes = append(nodes, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range nodes {
		if err := stack.Poll(ctx, 10*time.Millisecond, func() error { return c.Ping(ctx).Err() }); err != nil {
			var tails []string
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				tails = append(tails, l+":\n"+string(b[max(0, len(b)-2000):]))
			}
			t.Fatalf("cluster node did not start: %v\n%s", err, strings.Join(tails, "\n"))
		}
	}
	out, err := exec.CommandContext(ctx, cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, c := range nodes {
		err := stack.Poll(ctx, 20*time.Millisecond, func() error {
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return fmt.Errorf("cluster not ready: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return "redis+cluster://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2], nodes
}

// clusterReads sums total_reads_processed over the nodes.
func clusterReads(t testing.TB, nodes []*redis.Client) int64 {
	t.Helper()
	var sum int64
	for _, c := range nodes {
		info, err := c.Info(context.Background(), "stats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "total_reads_processed:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				sum += n
			}
		}
	}
	return sum
}

// On a Redis Cluster, a signed-in request still takes one round trip: the session,
// its last-use key and its revocation keys live in different slots, and go-redis
// sends each node its part of the pipeline at the same time. Sign-in, touch and
// revocation work across slots.
func TestClusterOneRoundTrip(t *testing.T) {
	t.Parallel()
	url, nodes := startCluster(t)
	f := newFleet(t)
	f.redis.URL = url // the replicas use the cluster; the fleet's own server stays idle
	a, b := f.replica(replicaOpt{}), f.replica(replicaOpt{})
	c := browser()
	f.signIn(c, a)
	other := browser()
	f.signIn(other, a)
	for _, r := range []*replica{a, b} {
		for range 3 {
			if !f.signedIn(other, r) {
				t.Fatal("warm-up: not signed in")
			}
		}
	}
	const n = 20
	before := clusterReads(t, nodes)
	for range n {
		if st, body := get(c, a.url+"/app/"); st != http.StatusOK || body != "hello alice" {
			t.Fatalf("request on A: %d %.100q", st, body)
		}
	}
	reads := clusterReads(t, nodes) - before - int64(len(nodes)) // the INFO commands
	// One pipeline per request, split over at most 3 nodes that answer in parallel.
	if reads < n || reads > 3*n {
		t.Errorf("%d requests: %d node reads, want between %d and %d (one pipeline each)", n, reads, n, 3*n)
	}
	t.Logf("Cluster: %.2f node reads per signed-in request (one pipeline, its keys on several nodes)", float64(reads)/n)
	f.clock.Advance(3*time.Minute + 30*time.Second) // a touch is due
	if !f.signedIn(c, b) {
		t.Fatal("signed out after the touch interval")
	}
	if err := a.st.Revoke(context.Background(), f.idp.Issuer, revocation.BySID, f.sid(c, a), f.clock.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replica{a, b} {
		if f.signedIn(c, r) {
			t.Errorf("%s: still signed in after the revocation", r.url)
		}
	}
	if !f.signedIn(other, b) {
		t.Error("the revocation ended another person's session")
	}
}

// BenchmarkClusterRequest measures a signed-in request and /auth/verify with the
// sessions in a three-node Redis Cluster on loopback (compare with
// BenchmarkAuthenticatedRequest's single server).
func BenchmarkClusterRequest(b *testing.B) {
	url, nodes := startCluster(b)
	for _, path := range []string{"/app/", "/auth/verify"} {
		b.Run(strings.Trim(path, "/"), func(b *testing.B) {
			f := newFleet(b)
			f.redis.URL = url
			r := f.replica(replicaOpt{})
			c := browser()
			f.signIn(c, r)
			cookies := c.Jar.Cookies(mustURL(b, r.url))
			before := clusterReads(b, nodes)
			start := cpuTime(b)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, r.url+path, nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				r.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d, want 200", rec.Code)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(clusterReads(b, nodes)-before)/float64(b.N), "node-reads/op")
		})
	}
}
