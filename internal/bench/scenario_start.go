package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// startPoll is how often `start` asks a starting mockidp for /jwks: the
// resolution of the start-time figures.
const startPoll = 500 * time.Microsecond

// idleWait is how long mockidp idles before its RSS is read.
const idleWait = time.Second

// start measures how fast mockidp is ready: exec until the first 200 from
// /jwks, over Starts launches after one unmeasured warm-up launch, with the
// default configuration (RS256, demo clients); then the idle RSS of the last
// launch, the binary size and the container image size.
func (s *suite) start(ctx context.Context) error {
	path := s.bins.Path("mockidp")
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var times []time.Duration
	var rss int64
	for i := 0; i <= s.cfg.Starts; i++ {
		last := i == s.cfg.Starts
		d, r, err := s.startOnce(ctx, path, last)
		if err != nil {
			return err
		}
		if i > 0 { // launch 0 warms the page cache
			times = append(times, d)
		}
		if last {
			rss = r
		}
	}
	lat := Summarize(times)
	s.logf("start: %d launches, p50 %v, p95 %v", lat.Count, lat.P50, lat.P95)
	const kase = "mockidp"
	s.report.Add("start", kase, fmt.Sprintf("exec → first 200 /jwks, p50 of %d", lat.Count), ms(lat.P50), "ms", "≤ 20 ms")
	s.report.Add("start", kase, "exec → first 200 /jwks, p95", ms(lat.P95), "ms", "")
	s.report.Add("start", kase, "idle RSS after 1 s", mib(rss), "MiB", "")
	s.report.Add("start", kase, "binary size (static, stripped)", mib(fi.Size()), "MiB", "")
	if size, err := imageSize(ctx, s.cfg.Image); err != nil {
		s.na("start", kase, "image size ("+s.cfg.Image+")", err)
	} else {
		s.report.Add("start", kase, "image size ("+s.cfg.Image+")", mib(size), "MiB", "")
	}
	s.facts["start p50"], s.facts["start rss"] = ms(lat.P50), mib(rss)
	// rp's size, for goal 5 of issue 18 (15 MB, as `docker image ls` counts).
	if fi, err := os.Stat(s.bins.Path("rp")); err == nil {
		s.report.Add("start", "rp", "binary size (static, stripped)", float64(fi.Size())/1e6, "MB", "")
		s.facts["rp binary"] = float64(fi.Size()) / 1e6
	}
	if size, err := imageSize(ctx, s.cfg.RPImage); err != nil {
		s.na("start", "rp", "image size ("+s.cfg.RPImage+")", err)
	} else {
		s.report.Add("start", "rp", "image size ("+s.cfg.RPImage+")", float64(size)/1e6, "MB", "≤ 15 MB")
		s.facts["rp image"] = float64(size) / 1e6
	}
	return nil
}

// startOnce launches mockidp on a free port, times exec → first 200 from
// /jwks, and, if idle is set, waits idleWait and reads its RSS.
func (s *suite) startOnce(ctx context.Context, path string, idle bool) (time.Duration, int64, error) {
	addr, err := stack.Addr()
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	t0 := time.Now()
	p, err := stack.Launch(stack.ProcessConfig{Name: "mockidp", Path: path, Args: []string{"--addr", addr}})
	if err != nil {
		return 0, 0, err
	}
	defer p.Terminate(stopGrace)
	if _, err := p.WaitReady(ctx, "http://"+addr+"/jwks", startPoll); err != nil {
		return 0, 0, err
	}
	d := time.Since(t0)
	if !idle {
		return d, 0, nil
	}
	select {
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	case <-time.After(idleWait):
	}
	rss, err := RSS(p.PID())
	return d, rss, err
}

// imageSize asks Docker for the size of image, in bytes. It returns an error
// wrapping errNA when there is no docker or no such image.
func imageSize(ctx context.Context, image string) (int64, error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return 0, fmt.Errorf("%w: no docker on PATH", errNA)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Size}}", image).Output()
	if err != nil {
		return 0, fmt.Errorf("%w: image not found; run make images", errNA)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}
