package integration

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// drillUpstream is an app that holds every request to /slow until released.
type drillUpstream struct {
	arrived atomic.Int64
	release chan struct{}
	once    sync.Once
}

func (u *drillUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		u.arrived.Add(1)
		<-u.release
	}
	io.WriteString(w, "app says hi to "+r.Header.Get("X-Forwarded-User"))
}

func (u *drillUpstream) open() { u.once.Do(func() { close(u.release) }) }

// TestDrillSIGTERM stops bin/rp and bin/mockidp with SIGTERM while requests
// are in flight: each in-flight request is answered in full, and each program
// exits with status 0 within stack.StopDeadline.
func TestDrillSIGTERM(t *testing.T) {
	t.Parallel()
	bins := programs.Binaries(t)
	up := &drillUpstream{release: make(chan struct{})}
	upSrv := &http.Server{Handler: up, ReadHeaderTimeout: 5 * time.Second}
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = upSrv.Serve(upLn) }()
	t.Cleanup(func() { up.open(); _ = upSrv.Close() })

	st := stack.StartStackT(t, stack.Config{Binaries: bins, MockIDPArgs: []string{"--login", "auto"},
		RPArgs: []string{"--upstream", "http://" + upLn.Addr().String()}, CookieSecret: drillSecret})
	issuer, rpURL, idp, rpProc := st.Issuer, st.RPURL, st.MockIDP, st.RP
	idpAddr, rpAddr := strings.TrimPrefix(issuer, "http://"), strings.TrimPrefix(rpURL, "http://")

	c := drillBrowser()
	if st, body := drillGet(t, c, rpURL+"/"); st != http.StatusOK || body != "app says hi to alice" {
		t.Fatalf("sign-in through bin/rp: got %d %.300q", st, body)
	}

	// rp: requests held by the app, background load, then SIGTERM.
	const inFlight = 6
	results := make(chan string, inFlight)
	for range inFlight {
		go func() {
			resp, err := c.Get(rpURL + "/slow")
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				results <- "error reading: " + err.Error()
				return
			}
			results <- strconv.Itoa(resp.StatusCode) + " " + string(b)
		}()
	}
	waitFor(t, "the in-flight requests to reach the app", func() error {
		if n := up.arrived.Load(); n < inFlight {
			return errors.New(strconv.Itoa(int(n)) + " arrived")
		}
		return nil
	})
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	var badLoad atomic.Value
	load.Go(func() { drillLoad(rpURL+"/healthz", stopLoad, &badLoad) })
	// Release the app once rp has stopped accepting connections (it is shutting down).
	go func() {
		_ = stack.Poll(context.Background(), 5*time.Millisecond, func() error {
			conn, err := net.Dial("tcp", rpAddr)
			if err == nil {
				conn.Close()
				return errors.New("still accepting")
			}
			return nil
		})
		up.open()
	}()
	rpProc.Stop(t) // SIGTERM; fails unless exit 0 within the grace period
	close(stopLoad)
	load.Wait()
	for range inFlight {
		if got := <-results; got != "200 app says hi to alice" {
			t.Errorf("in-flight request during rp's shutdown: got %q, want \"200 app says hi to alice\"", got)
		}
	}
	if v := badLoad.Load(); v != nil {
		t.Errorf("load on rp during shutdown: %v", v)
	}

	// mockidp: a token request whose handler is waiting for its body (the
	// 100 Continue proves the server is in the handler), background load, then SIGTERM.
	conn, err := net.Dial("tcp", idpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	form := "grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
	io.WriteString(conn, "POST /token HTTP/1.1\r\nHost: "+idpAddr+"\r\nAuthorization: Basic ZGVtbzpkZW1vLXNlY3JldA==\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: "+strconv.Itoa(len(form))+"\r\n\r\n")
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("token request: got %q, %v; want 100 Continue", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the empty line after 100 Continue
		t.Fatal(err)
	}
	stopLoad = make(chan struct{})
	load.Go(func() { drillLoad(issuer+"/.well-known/openid-configuration", stopLoad, &badLoad) })
	stopped := make(chan struct{})
	go func() { idp.Stop(t); close(stopped) }()
	_ = stack.Poll(context.Background(), 5*time.Millisecond, func() error { // until it stops accepting
		c, err := net.Dial("tcp", idpAddr)
		if err == nil {
			c.Close()
			return errors.New("still accepting")
		}
		return nil
	})
	io.WriteString(conn, form)
	resp, err := io.ReadAll(br)
	if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 400") || !strings.Contains(string(resp), "invalid_grant") {
		t.Errorf("token request in flight during mockidp's shutdown: %v %.300q, want a full 400 invalid_grant answer", err, resp)
	}
	<-stopped
	close(stopLoad)
	load.Wait()
	if v := badLoad.Load(); v != nil {
		t.Errorf("load on mockidp during shutdown: %v", v)
	}
}

// drillLoad GETs u in a loop until stop is closed. A request may fail to
// connect once the server has stopped listening; any answer must be a 200.
func drillLoad(u string, stop <-chan struct{}, bad *atomic.Value) {
	c := &http.Client{Timeout: 10 * time.Second}
	for {
		select {
		case <-stop:
			return
		default:
		}
		resp, err := c.Get(u)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				continue // not listening any more
			}
			if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection reset") ||
				strings.Contains(err.Error(), "server closed idle connection") {
				// A keep-alive connection closed by the shutdown between two
				// requests: the request was never processed, clients retry it.
				continue
			}
			bad.Store(err.Error())
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			bad.Store(u + ": status " + strconv.Itoa(resp.StatusCode))
			return
		}
	}
}
