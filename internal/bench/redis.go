package bench

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// redisServer is a throwaway redis-server for the Redis session-store figures:
// loopback only, no persistence, its files in a temporary directory.
type redisServer struct {
	// URL is the session-store URL to hand the RP, e.g. "redis://127.0.0.1:PORT/0".
	URL    string
	proc   *stack.Process
	client *redis.Client
}

// startRedis starts redis-server from PATH with its data in dir and waits
// until it answers PING. It returns an error wrapping errNA when there is no
// redis-server.
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: no redis-server on PATH", errNA)
	}
	addr, err := stack.Addr()
	if err != nil {
		return nil, err
	}
	_, port, _ := strings.Cut(addr, ":")
	proc, err := stack.Launch(stack.ProcessConfig{Name: "redis", Path: path, Args: []string{
		"--bind", "127.0.0.1", "--port", port, "--dir", dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "yes"}})
	if err != nil {
		return nil, err
	}
	r := &redisServer{URL: "redis://" + addr + "/0", proc: proc, client: redis.NewClient(&redis.Options{Addr: addr})}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if err := r.client.Ping(ctx).Err(); err == nil {
			return r, nil
		} else if ctx.Err() != nil || proc.Exited() {
			r.Stop()
			return nil, fmt.Errorf("redis-server not ready: %v\n%s", err, proc.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// UsedMemory returns used_memory from INFO memory, in bytes.
func (r *redisServer) UsedMemory(ctx context.Context) (int64, error) {
	info, err := r.client.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("redis info: %w", err)
	}
	return parseUsedMemory(info)
}

// stats returns total_commands_processed and total_reads_processed from INFO
// stats: commands, and socket reads, which are round trips when every
// request (or pipeline) arrives in one read, as small ones do. Both are 0 for
// a nil server, so that callers need not tell the stores apart.
func (r *redisServer) stats(ctx context.Context) (cmds, reads int64, err error) {
	if r == nil {
		return 0, 0, nil
	}
	info, err := r.client.Info(ctx, "stats").Result()
	if err != nil {
		return 0, 0, fmt.Errorf("redis info: %w", err)
	}
	if cmds, err = infoField(info, "total_commands_processed"); err != nil {
		return 0, 0, err
	}
	reads, err = infoField(info, "total_reads_processed")
	return cmds, reads, err
}

// parseUsedMemory finds "used_memory:N" in the text of INFO memory.
func parseUsedMemory(info string) (int64, error) {
	return infoField(info, "used_memory")
}

// infoField finds the integer field "name:N" in the text of an INFO reply.
func infoField(info, name string) (int64, error) {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("redis info: no %s", name)
}

// Keys returns the number of keys in the database.
func (r *redisServer) Keys(ctx context.Context) (int64, error) {
	return r.client.DBSize(ctx).Result()
}

// Stop closes the client and stops the server.
func (r *redisServer) Stop() {
	_ = r.client.Close()
	_ = r.proc.Terminate(stopGrace)
}
