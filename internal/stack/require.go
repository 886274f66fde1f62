package stack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Tool is something on the machine that some tests need: a command such as
// Chromium, redis-server or nginx, or a service such as a Docker engine.
type Tool struct {
	// Name says what the tool is, in messages: "Chromium".
	Name string
	// Env is the variable that makes the tool's absence a failure instead
	// of a skip when set to 1 (or true, yes): "REQUIRE_BROWSER".
	Env string
	// Command is looked up in PATH, then in Dirs.
	Command string
	// Dirs are looked in after PATH (Debian installs nginx in /usr/sbin,
	// which a non-login shell may not have in PATH).
	Dirs []string
	// Probe, when Command is empty, reports why the tool cannot be used.
	Probe func() error
	// Hint says how to get the tool.
	Hint string
}

// The tools foyer's tests need. `.ci/run` sets every REQUIRE_* variable.
var (
	Chromium = Tool{Name: "Chromium", Env: "REQUIRE_BROWSER", Command: "chromium",
		Hint: "`make ci-deps` installs it"}
	Redis = Tool{Name: "redis-server", Env: "REQUIRE_REDIS", Command: "redis-server",
		Hint: "`make ci-deps` installs it"}
	Nginx = Tool{Name: "nginx", Env: "REQUIRE_NGINX", Command: "nginx", Dirs: []string{"/usr/sbin", "/usr/local/sbin"},
		Hint: "`make ci-deps` installs it"}
)

// Require returns the path of tool's command ("" for a probed service) when
// the tool is there. When it is not, Require skips t with one line saying
// what is missing, how to get it and which variable makes it a failure, or
// fails t instead when that variable (tool.Env) is set to 1.
func Require(t testing.TB, tool Tool) string {
	t.Helper()
	path, err := tool.find()
	if err == nil {
		return path
	}
	if Required(tool.Env) {
		t.Fatalf("%s is required (%s=1) but missing: %v", tool.Name, tool.Env, err)
		return ""
	}
	t.Skipf("skipping: %v (%s; set %s=1 to fail instead)", err, tool.Hint, tool.Env)
	return ""
}

// Required reports whether the environment variable name asks for a tool:
// 1, true or yes.
func Required(name string) bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(name)))
	return v == "1" || v == "true" || v == "yes"
}

// find returns the tool's command path, or why it cannot be used.
func (tool Tool) find() (string, error) {
	if tool.Command == "" {
		if tool.Probe == nil {
			return "", errors.New("no command and no probe")
		}
		return "", tool.Probe()
	}
	if p, err := exec.LookPath(tool.Command); err == nil {
		return p, nil
	}
	for _, d := range tool.Dirs {
		p := filepath.Join(d, tool.Command)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	where := "PATH"
	if len(tool.Dirs) > 0 {
		where += " nor " + strings.Join(tool.Dirs, ", ")
	}
	return "", fmt.Errorf("no %s in %s", tool.Command, where)
}
