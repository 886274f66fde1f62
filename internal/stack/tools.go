package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
)

// Tool names accepted by RequireTool.
const (
	ToolBrowser = "browser" // Debian's Chromium, as the `chromium` command
	ToolDocker  = "docker"  // a reachable Docker engine
	ToolRedis   = "redis"   // the `redis-server` command
)

// toolEnv maps each tool to the variable that makes its absence fatal.
var toolEnv = map[string]string{
	ToolBrowser: "REQUIRE_BROWSER",
	ToolDocker:  "REQUIRE_DOCKER",
	ToolRedis:   "REQUIRE_REDIS",
}

// RequireTool skips t with one line naming what is missing when tool
// (ToolBrowser, ToolDocker or ToolRedis) is not available, or fails t instead
// when the matching REQUIRE_BROWSER, REQUIRE_DOCKER or REQUIRE_REDIS variable
// is set to 1 (or true).
func RequireTool(t testing.TB, tool string) {
	t.Helper()
	env, ok := toolEnv[tool]
	if !ok {
		t.Fatalf("RequireTool: unknown tool %q (want %q, %q or %q)", tool, ToolBrowser, ToolDocker, ToolRedis)
		return
	}
	err := probe(tool)
	if err == nil {
		return
	}
	if required(env) {
		t.Fatalf("%s is required (%s=1) but missing: %v", tool, env, err)
		return
	}
	t.Skipf("skipping: %v (set %s=1 to fail instead; `make ci-deps` installs Chromium and Redis)", err, env)
}

// required reports whether the environment variable name asks for a tool.
func required(name string) bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(name)))
	return v == "1" || v == "true" || v == "yes"
}

// probe says why tool cannot be used, or nil when it can.
func probe(tool string) error {
	switch tool {
	case ToolBrowser:
		if _, err := exec.LookPath(ChromiumCommand); err != nil {
			return fmt.Errorf("no %s in PATH", ChromiumCommand)
		}
	case ToolRedis:
		if _, err := exec.LookPath("redis-server"); err != nil {
			return fmt.Errorf("no redis-server in PATH")
		}
	case ToolDocker:
		pool, err := dockertest.NewPool("")
		if err != nil {
			return fmt.Errorf("no Docker engine: %w", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := pool.Client.PingWithContext(ctx); err != nil {
			return fmt.Errorf("no Docker engine answering: %w", err)
		}
	}
	return nil
}
