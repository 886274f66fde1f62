package soak

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// processTarget runs the rp and mockidp binaries.
type processTarget struct {
	dir         string // temporary: config, built binaries
	st          *stack.Stack
	idpLog      *refreshCounter
	useMetrics  bool
	metricsSeen bool
}

// startProcesses starts mockidp and rp on free loopback ports and waits until
// both are ready. Binaries not given in c are $FOYER_BIN_DIR's, else built.
func startProcesses(ctx context.Context, c Config) (_ *processTarget, err error) {
	dir, err := os.MkdirTemp("", "foyer-soak-")
	if err != nil {
		return nil, err
	}
	t := &processTarget{dir: dir, idpLog: &refreshCounter{}, useMetrics: true}
	defer func() {
		if err != nil {
			_ = t.stop()
		}
	}()
	bins := stack.Binaries{Paths: map[string]string{"rp": c.RPBinary, "mockidp": c.MockIDPBinary}}
	if c.RPBinary == "" || c.MockIDPBinary == "" {
		b := &stack.Builder{Dir: dir, Names: []string{"rp", "mockidp"}}
		if bins, err = b.Build(ctx); err != nil {
			return nil, err
		}
	}
	idpAddr, err := stack.Addr()
	if err != nil {
		return nil, err
	}
	rpAddr, err := stack.Addr()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "mockidp.yaml")
	if err := os.WriteFile(cfgPath, mockYAML("http://"+idpAddr, "http://"+rpAddr, c.Users, c.AccessTokenTTL), 0o600); err != nil {
		return nil, err
	}
	rpArgs := []string{"--metrics"} // goroutines come from /metrics, which rp serves only when asked
	if c.SessionStore != "" {
		rpArgs = append(rpArgs, "--session-store", c.SessionStore)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t.st, err = stack.StartStack(rctx, stack.Config{
		Binaries: bins, MockIDPAddr: idpAddr, RPAddr: rpAddr,
		MockIDPArgs: []string{"--config", cfgPath, "--login", "auto"},
		ClientID:    clientID, ClientSecret: clientSecret, CookieSecret: cookieSecret, RPArgs: rpArgs,
		Output: func(name string) io.Writer {
			if name == "mockidp" {
				return t.idpLog
			}
			return nil
		},
		ReadyInterval: 20 * time.Millisecond,
	})
	return t, err
}

func (t *processTarget) base() string     { return t.st.RPURL }
func (t *processTarget) refreshes() int64 { return t.idpLog.n.Load() }
func (t *processTarget) memKind() string  { return "rp RSS" }

func (t *processTarget) goroutineKind() string {
	if t.metricsSeen {
		return "rp goroutines (go_goroutines from /metrics)"
	}
	return "rp OS threads (/proc; rp serves no /metrics)"
}

// sample reads rp's RSS from /proc and its goroutines from /metrics, or its
// thread count when /metrics is not served.
func (t *processTarget) sample(ctx context.Context) (int64, int, error) {
	st, err := procStatus(t.st.RP.PID())
	if err != nil {
		return 0, 0, err
	}
	g := int(st["Threads"])
	if t.useMetrics {
		if n, err := metricGoroutines(ctx, t.st.RPURL+"/metrics"); err == nil {
			g, t.metricsSeen = n, true
		} else if !t.metricsSeen {
			t.useMetrics = false // not served: threads from now on
		}
	}
	return st["VmRSS"] * 1024, g, nil
}

// procStatus reads the numeric fields of /proc/PID/status (kB for sizes).
func procStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.Fields(v + " x")[0], 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, sc.Err()
}

// metricGoroutines reads go_goroutines from a Prometheus text endpoint.
func metricGoroutines(ctx context.Context, url string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	return 0, errors.New("no go_goroutines in /metrics")
}

// stop sends SIGTERM to rp, then mockidp, and waits for each to exit (15 s
// at most); a non-zero exit or a hang is an error.
func (t *processTarget) stop() error {
	var err error
	if t.st != nil {
		err = t.st.Stop(15 * time.Second)
	}
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
	}
	return err
}
