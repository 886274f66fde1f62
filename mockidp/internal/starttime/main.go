// Command starttime measures how fast a mockidp binary is ready: it starts
// the binary N times and reports the time from exec to the first 200 answer
// of /jwks (median, p95, min, max), and the resident memory of the last run
// after it has served that request and idled for a second. With -tls it
// starts mockidp --tls --tls-ca-out and polls over HTTPS, trusting the CA
// file once it appears (CA and certificate generation, the file and the
// TLS handshake are all inside the measured time).
//
//	go build -o bin/mockidp ./cmd/mockidp
//	go run ./mockidp/internal/starttime -bin bin/mockidp -n 50
//	go run ./mockidp/internal/starttime -bin bin/mockidp -n 50 -tls
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/mockidp", "mockidp binary to start")
	n := flag.Int("n", 30, "number of starts")
	useTLS := flag.Bool("tls", false, "start mockidp with --tls and measure until the first HTTPS answer")
	flag.Parse()
	if err := run(*bin, *n, *useTLS); err != nil {
		fmt.Fprintln(os.Stderr, "starttime:", err)
		os.Exit(1)
	}
}

func run(bin string, n int, useTLS bool) error {
	if n < 1 {
		return errors.New("-n must be at least 1")
	}
	var times []time.Duration
	rss := ""
	for i := range n {
		d, r, err := once(bin, i == n-1, useTLS)
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
	mode := "http"
	if useTLS {
		mode = "https (--tls)"
	}
	fmt.Printf("exec -> first /jwks 200 over %s, %d starts: median %v, p95 %v, min %v, max %v\n",
		mode, n, pct(0.5).Round(10*time.Microsecond), pct(0.95).Round(10*time.Microsecond),
		times[0].Round(10*time.Microsecond), times[len(times)-1].Round(10*time.Microsecond))
	if rss != "" {
		fmt.Printf("idle RSS after 1 s: %s\n", rss)
	}
	return nil
}

// once starts bin on a free port, polls /jwks until it answers 200, and
// stops it. With measureRSS it also reads VmRSS after a second of idling.
func once(bin string, measureRSS, useTLS bool) (time.Duration, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, "", err
	}
	args := []string{"--addr", addr}
	scheme, caFile := "http://", ""
	if useTLS {
		dir, err := os.MkdirTemp("", "starttime")
		if err != nil {
			return 0, "", err
		}
		defer os.RemoveAll(dir)
		caFile = filepath.Join(dir, "ca.pem")
		args = append(args, "--tls", "--tls-ca-out", caFile)
		scheme = "https://"
	}
	cmd := exec.Command(bin, args...)
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
	trusted := !useTLS
	for {
		if !trusted {
			if b, err := os.ReadFile(caFile); err == nil {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(b) {
					return 0, "", fmt.Errorf("%s holds no certificate", caFile)
				}
				client.Transport = &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: pool}}
				trusted = true
			}
		}
		if trusted {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, scheme+addr+"/jwks", nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
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
