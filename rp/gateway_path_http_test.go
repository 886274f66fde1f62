package rp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// pathRecorder is an app that records the escaped path of every request it gets.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.EscapedPath())
	p.mu.Unlock()
	io.WriteString(w, "app saw "+r.URL.EscapedPath())
}

func (p *pathRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.paths
	p.paths = nil
	return out
}

// rawRequest sends target byte for byte on the request line (nothing cleans it) to
// addr, with the given headers, and returns status and body.
func rawRequest(t *testing.T, addr, method, target string, header ...string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, addr)
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", header[i], header[i+1])
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %q: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// cookieHeader is the Cookie header c would send to the harness.
func cookieHeader(h *harness, c *http.Client) string {
	u, _ := url.Parse(h.srv.URL)
	var parts []string
	for _, ck := range c.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// TestPathBackstopMountedDirectly sends every refused path on the wire to RequireLogin
// and Proxy mounted without http.ServeMux (which would otherwise redirect unclean
// paths first), signed in and signed out: each gets 400 and the app never sees it.
func TestPathBackstopMountedDirectly(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}} // alice is not in root
	})
	h.signIn(h.client)
	app := &pathRecorder{}
	upstream := httptest.NewServer(app)
	t.Cleanup(upstream.Close)
	upURL, _ := url.Parse(upstream.URL)
	servers := map[string]*httptest.Server{
		"RequireLogin": httptest.NewServer(h.rp.RequireLogin(app)),
		"Proxy":        httptest.NewServer(h.rp.Proxy(upURL, ProxyOptions{})),
	}
	for _, s := range servers {
		t.Cleanup(s.Close)
	}
	cookie := cookieHeader(h, h.client)
	for name, srv := range servers {
		addr := srv.Listener.Addr().String()
		for _, tt := range refusedPaths {
			if !strings.HasPrefix(tt.path, "/") || strings.Contains(tt.path, "?") {
				continue // not a path on a request line
			}
			for _, signedIn := range []bool{true, false} {
				hdr := []string{"Accept", "application/json"}
				if signedIn {
					hdr = append(hdr, "Cookie", cookie)
				}
				target := strings.NewReplacer("\r", "%0d", "\n", "%0a").Replace(tt.path)
				status, body := rawRequest(t, addr, http.MethodGet, target, hdr...)
				if status != http.StatusBadRequest {
					t.Errorf("%s, signed in %v, %s %q: status %d, want 400 (%s)", name, signedIn, tt.name, tt.path, status, truncate(body, 200))
				}
			}
		}
		if seen := app.take(); len(seen) > 0 {
			t.Errorf("%s: the app got refused paths: %q", name, seen)
		}
	}
	// What is accepted reaches rules and the app in its one reading.
	accepted := []struct {
		target, want string // want: app's path, or "403"
	}{
		{"//admin/x", "403"},
		{"/%61dmin/x", "403"},
		{"/ADMIN", "403"},
		{"/public//x///y", "/public/x/y"},
		{"/public/caf%C3%A9", "/public/caf%C3%A9"},
		{"/public/%61", "/public/%61"},
	}
	for _, tt := range accepted {
		status, body := rawRequest(t, servers["Proxy"].Listener.Addr().String(), http.MethodGet, tt.target, "Cookie", cookie, "Accept", "application/json")
		if tt.want == "403" {
			if status != http.StatusForbidden {
				t.Errorf("Proxy %q: status %d, want 403 (rule for /admin): %s", tt.target, status, truncate(body, 200))
			}
			continue
		}
		if status != http.StatusOK || body != "app saw "+tt.want {
			t.Errorf("Proxy %q: %d %q, want 200 %q", tt.target, status, body, "app saw "+tt.want)
		}
	}
	if seen := app.take(); len(seen) != 3 {
		t.Errorf("app saw %q, want only the 3 allowed requests", seen)
	}
}

// TestVerifyRefusesAmbiguousOriginalPath: forward auth reads the original path from
// X-Forwarded-Uri, X-Original-URI or X-Original-URL with the same function, and
// answers 400 to every path it refuses — signed in or not.
func TestVerifyRefusesAmbiguousOriginalPath(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) {
		c.Gateway.Rules = []Rule{{PathPrefix: "/admin", Groups: []string{"root"}}}
	})
	h.signIn(h.client)
	for _, tt := range refusedPaths {
		if !strings.HasPrefix(tt.path, "/") || strings.Contains(tt.path, "?") {
			continue
		}
		for _, hdr := range []string{"X-Forwarded-Uri", "X-Original-URI", "X-Original-URL"} {
			v := tt.path
			if hdr == "X-Original-URL" {
				v = "https://app.example.com" + tt.path
			}
			for _, c := range []*http.Client{h.client, nil} {
				rec := verifyAs(h, c, trustedPeer, "", hdr, v, "Accept", "application/json")
				if rec.Code != http.StatusBadRequest {
					t.Errorf("%s %s (%q), signed in %v: status %d, want 400", hdr, tt.name, v, c != nil, rec.Code)
				}
				if rec.Header().Get(HeaderUser) != "" {
					t.Errorf("%s %s: identity headers on a refusal", hdr, tt.name)
				}
			}
		}
	}
	// Accepted spellings reach the rules in their one reading.
	for _, p := range []string{"//admin/x", "/%61dmin", "/Admin/", "/admin?x=/public"} {
		rec := verifyAs(h, h.client, trustedPeer, "", "X-Forwarded-Uri", p, "Accept", "application/json")
		if rec.Code != http.StatusForbidden {
			t.Errorf("X-Forwarded-Uri %q: status %d, want 403 (rule for /admin)", p, rec.Code)
		}
	}
}
