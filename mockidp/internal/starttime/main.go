// Command starttime measures how fast a mockidp binary is ready: it starts
// the binary N times and reports the time from exec to the first 200 answer
// of /jwks (median, p95, min, max), and the resident memory of the last run
// after it has served that request and idled for a second.
//
//	go build -o bin/mockidp ./cmd/mockidp
//	go run ./mockidp/internal/starttime -bin bin/mockidp -n 50
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/mockidp", "mockidp binary to start")
	n := flag.Int("n", 30, "number of starts")
	flag.Parse()
	if err := run(*bin, *n); err != nil {
		fmt.Fprintln(os.Stderr, "starttime:", err)
		os.Exit(1)
	}
}

func run(bin string, n int) error {
	if n < 1 {
		return errors.New("-n must be at least 1")
	}
	var times []time.Duration
	rss := ""
	for i := range n {
		d, r, err := once(bin, i == n-1)
		if err != nil {
			return err
		}
		times = append(times, d)
		if r != "" {
			rss = r
		}
	}
	slices.Sort(times)
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(float64(len(times))*p))] }
	fmt.Printf("exec -> first /jwks 200 over %d starts: median %v, p95 %v, min %v, max %v\n",
		n, pct(0.5).Round(10*time.Microsecond), pct(0.95).Round(10*time.Microsecond),
		times[0].Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond))
	if rss != "" {
		fmt.Printf("idle RSS after 1 s: %s\n", rss)
	}
	return nil
}

// once starts bin on a free port, polls /jwks until it answers 200, and
// stops it. With measureRSS it also reads VmRSS after a second of idling.
func once(bin string, measureRSS bool) (time.Duration, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, "", err
	}
	cmd := exec.Command(bin, "--addr", addr)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("start %s: %w", bin, err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/jwks", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if ctx.Err() != nil {
			return 0, "", fmt.Errorf("%s not ready after 5 s", bin)
		}
		time.Sleep(100 * time.Microsecond)
	}
	d := time.Since(start)
	if !measureRSS {
		return d, "", nil
	}
	time.Sleep(time.Second)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return d, "unknown (" + err.Error() + ")", nil
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return d, strings.TrimSpace(v), nil
		}
	}
	return d, "unknown", nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
