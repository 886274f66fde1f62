package soak

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processTarget runs the rp and mockidp binaries.
type processTarget struct {
	dir         string // temporary: config, built binaries
	rpURL       string
	idp, rp     *proc
	idpLog      *refreshCounter
	rpLog       *refreshCounter // only its tail is used
	useMetrics  bool
	metricsSeen bool
}

// buildBinaries compiles rp and mockidp into dir.
func buildBinaries(ctx context.Context, dir string) (rp, idp string, err error) {
	rp, idp = filepath.Join(dir, "rp"), filepath.Join(dir, "mockidp")
	for bin, pkg := range map[string]string{rp: "github.com/foyer-oidc/foyer/cmd/rp", idp: "github.com/foyer-oidc/foyer/cmd/mockidp"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	}
	return rp, idp, nil
}

// startProcesses starts mockidp and rp on free loopback ports and waits until
// both are ready.
func startProcesses(ctx context.Context, c Config) (_ *processTarget, err error) {
	dir, err := os.MkdirTemp("", "foyer-soak-")
	if err != nil {
		return nil, err
	}
	t := &processTarget{dir: dir, idpLog: &refreshCounter{}, rpLog: &refreshCounter{}, useMetrics: true}
	defer func() {
		if err != nil {
			_ = t.stop()
		}
	}()
	rpBin, idpBin := c.RPBinary, c.MockIDPBinary
	if rpBin == "" || idpBin == "" {
		if rpBin, idpBin, err = buildBinaries(ctx, dir); err != nil {
			return nil, err
		}
	}
	idpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	rpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	issuer := "http://" + idpAddr
	t.rpURL = "http://" + rpAddr
	cfgPath := filepath.Join(dir, "mockidp.yaml")
	if err := os.WriteFile(cfgPath, mockYAML(issuer, t.rpURL, c.Users, c.AccessTokenTTL), 0o600); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t.idp = startProc("mockidp", idpBin, []string{"--addr", idpAddr, "--config", cfgPath, "--login", "auto"}, nil, t.idpLog)
	if err := waitOK(rctx, issuer+"/healthz", t.idp.done); err != nil {
		return nil, fmt.Errorf("mockidp: %w\n%s", err, t.idpLog.lines())
	}
	rpArgs := []string{"--addr", rpAddr, "--issuer", issuer, "--client-id", clientID}
	if c.SessionStore != "" {
		rpArgs = append(rpArgs, "--session-store", c.SessionStore)
	}
	t.rp = startProc("rp", rpBin, rpArgs,
		[]string{"RP_CLIENT_SECRET=" + clientSecret, "RP_COOKIE_SECRET=" + cookieSecret}, t.rpLog)
	if err := waitOK(rctx, t.rpURL+"/readyz", t.rp.done); err != nil {
		return nil, fmt.Errorf("rp: %w\n%s", err, t.rpLog.lines())
	}
	return t, nil
}

// proc is a started program.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *refreshCounter
	done chan struct{} // closed at exit
	err  error         // the exit, set before done is closed
}

// startProc starts a program whose output goes to log.
func startProc(name, bin string, args, env []string, log *refreshCounter) *proc {
	p := &proc{name: name, cmd: exec.Command(bin, args...), log: log, done: make(chan struct{})}
	for _, kv := range os.Environ() { // the caller's RP_*/MOCKIDP_* must not change the run
		if !strings.HasPrefix(kv, "RP_") && !strings.HasPrefix(kv, "MOCKIDP_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if p.err = p.cmd.Start(); p.err != nil {
		close(p.done)
		return p
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p
}

// terminate sends SIGTERM and waits up to grace for a clean exit.
func (p *proc) terminate(grace time.Duration) error {
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return p.exitErr("exited early")
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.exitErr("exit after SIGTERM")
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s still running %v after SIGTERM", p.name, grace)
	}
}

func (p *proc) exitErr(what string) error {
	if p.err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w\n%s", p.name, what, p.err, p.log.lines())
}

func (t *processTarget) base() string     { return t.rpURL }
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
	st, err := procStatus(t.rp.cmd.Process.Pid)
	if err != nil {
		return 0, 0, err
	}
	g := int(st["Threads"])
	if t.useMetrics {
		if n, err := metricGoroutines(ctx, t.rpURL+"/metrics"); err == nil {
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
	err := errors.Join(t.rp.terminate(15*time.Second), t.idp.terminate(15*time.Second))
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
	}
	return err
}
