package rp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// newGatewayHarness is newHarness with rp.Proxy to a test upstream at "/" (and the
// usual /app/ page, so that signIn works). cfg may change the Config first.
func newGatewayHarness(t testing.TB, cfg func(*Config), idp ...mockidp.Option) (*harness, *upstreamApp) {
	t.Helper()
	app := &upstreamApp{sseAck: make(chan struct{})}
	up := httptest.NewServer(app.handler())
	app.srv = up
	t.Cleanup(up.Close)
	h := &harness{t: t, clock: newFakeClock()}
	h.idp = mockidp.NewTestServer(t, idp...)
	h.srv = httptest.NewUnstartedServer(nil)
	h.calls = &countingTransport{base: http.DefaultTransport}
	c := Config{
		PublicURL:     "http://" + h.srv.Listener.Addr().String(),
		Providers:     []ProviderConfig{{ID: "mock", Name: "Mock IdP", Issuer: h.idp.Issuer, ClientID: h.idp.ClientID, ClientSecret: h.idp.ClientSecret}},
		CookieSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef-test")},
		Now:           h.clock.Now,
		HTTPClient:    &http.Client{Transport: h.calls, Timeout: 10 * time.Second},
	}
	if cfg != nil {
		cfg(&c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p, err := New(ctx, c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.rp = p
	upURL, _ := url.Parse(up.URL)
	mux := http.NewServeMux()
	mux.Handle("/auth/", p.Handler())
	mux.Handle("/app/", p.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := UserFromContext(r.Context())
		io.WriteString(w, "hello "+u.Subject)
	})))
	mux.Handle("/", p.Proxy(upURL, ProxyOptions{}))
	h.srv.Config.Handler = mux
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := p.WaitReady(wctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	h.client = h.newBrowser()
	return h, app
}

// upstreamSeen is what the test upstream's /echo reports about the request it got.
type upstreamSeen struct {
	Header http.Header `json:"header"`
	Host   string      `json:"host"`
	Path   string      `json:"path"`
}

// upstreamApp is the app behind the proxy.
type upstreamApp struct {
	srv    *httptest.Server
	sseAck chan struct{} // the SSE test closes it once it has read the first event
}

// handler serves /echo (the request as JSON), /ws (upgrades and echoes lines), /sse
// (two events, the second only after the client confirms it got the first) and
// /set-cookie (tries to set rp's cookies).
func (a *upstreamApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(upstreamSeen{Header: r.Header, Host: r.Host, Path: r.URL.Path})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "want an upgrade", http.StatusBadRequest)
			return
		}
		user := r.Header.Get(HeaderUser)
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				return
			}
			fmt.Fprintf(rw, "%s says %s", user, line)
			rw.Flush()
		}
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		fmt.Fprint(w, "data: one\n\n")
		rc.Flush()
		// The second event waits for the client's proof that the first one arrived.
		select {
		case <-a.sseAck:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "data: two\n\n")
	})
	mux.HandleFunc("/set-cookie", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "foyer_session=evil; Path=/")
		w.Header().Add("Set-Cookie", "__Host-foyer_session=evil; Path=/; Secure")
		w.Header().Add("Set-Cookie", "app=1; Path=/")
	})
	return mux
}

// readLine reads one line from a bufio.Reader, failing t on error.
func readLine(t testing.TB, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, line)
	}
	return line
}
