package rp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// proxiedEcho signs c in (if not yet) and returns what the upstream saw of a GET /echo
// with the given extra headers.
func proxiedEcho(t *testing.T, h *harness, c *http.Client, header ...string) upstreamSeen {
	t.Helper()
	resp, body := h.get(c, "/echo", header...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /echo: %d %s", resp.StatusCode, truncate(body, 300))
	}
	var seen upstreamSeen
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatalf("upstream JSON: %v: %s", err, body)
	}
	return seen
}

func TestProxyIdentityHeadersReplaceSpoofedOnes(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	h.client.Jar.SetCookies(u, []*http.Cookie{{Name: "app", Value: "kept"}})
	seen := proxiedEcho(t, h, h.client,
		"X-Forwarded-User", "admin",
		"x-forwarded-email", "root@example.com",
		"X_Forwarded_User", "admin",
		"X-FORWARDED-GROUPS", "admins,root",
		"X_forwarded_preferred_username", "root",
		"X-Foyer-Assertion", "forged",
		"X-Auth-Request-User", "admin",
		"Authorization", "Bearer app-token",
		// Underscore spellings, which CGI-style frameworks read as the hyphenated
		// names: forged beside the real headers rp sets.
		"X_Forwarded_Groups", "admins",
		"X_Forwarded_Email", "root@example.com",
		"x_forwarded_preferred_username", "root",
		"X_Auth_Request_Groups", "admins",
		"X_Auth_Request_Email", "root@example.com",
		"X_Forwarded_Access_Token", "forged",
		"X_Foyer_Assertion", "forged",
	)
	want := map[string]string{
		"X-Forwarded-User":               "alice",
		"X-Forwarded-Email":              "alice@example.com",
		"X-Forwarded-Preferred-Username": "alice",
		"X-Forwarded-Groups":             "admins,users",
		"Authorization":                  "Bearer app-token", // PassAccessToken off: the app's own header stays
	}
	for k, v := range want {
		if got := seen.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("upstream %s = %q, want exactly [%q]", k, got, v)
		}
	}
	// The test's own list of what must not arrive (not the production list, which a
	// regression would shrink together with the check).
	forgedVariants := []string{
		"X_Forwarded_User", "X_forwarded_preferred_username", "X_Forwarded_Groups", "X_Forwarded_Email",
		"X_Auth_Request_Groups", "X_Auth_Request_Email", "X_Forwarded_Access_Token", "X_Foyer_Assertion",
	}
	for k := range seen.Header {
		for _, f := range forgedVariants {
			if strings.EqualFold(k, f) {
				t.Errorf("upstream got the spoofed variant %q = %q", k, seen.Header[k])
			}
		}
		for _, bad := range []string{"X-Foyer-Assertion", "X-Auth-Request-User"} {
			if k == bad {
				t.Errorf("upstream got client-sent %s = %q", k, seen.Header[k])
			}
		}
	}
	cookie := seen.Header.Get("Cookie")
	if strings.Contains(cookie, "foyer_") || !strings.Contains(cookie, "app=kept") {
		t.Errorf("upstream Cookie = %q, want app=kept and no foyer_ cookie", cookie)
	}
	if seen.Header.Get("X-Forwarded-Host") != u.Host || seen.Header.Get("X-Forwarded-Proto") != "http" {
		t.Errorf("X-Forwarded-Host/Proto = %q/%q, want %q/http", seen.Header.Get("X-Forwarded-Host"), seen.Header.Get("X-Forwarded-Proto"), u.Host)
	}
}

func TestProxyPassAccessToken(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.PassAccessToken = true })
	h.signIn(h.client)
	seen := proxiedEcho(t, h, h.client, "Authorization", "Bearer forged")
	got := seen.Header.Values("Authorization")
	if len(got) != 1 || !strings.HasPrefix(got[0], "Bearer ") || got[0] == "Bearer forged" {
		t.Errorf("Authorization = %q, want the session's access token only", got)
	}
}

func TestProxySignedOut(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.APIPathPrefixes = []string{"/api/"} })
	c := noFollow(h.client)
	tests := []struct {
		name   string
		path   string
		header []string
		status int
	}{
		{"navigation", "/echo?x=1", nil, http.StatusFound},
		{"json", "/echo", []string{"Accept", "application/json"}, http.StatusUnauthorized},
		{"fetch", "/echo", []string{"Sec-Fetch-Mode", "cors"}, http.StatusUnauthorized},
		{"api prefix", "/api/items", nil, http.StatusUnauthorized},
		{"spoofed user", "/echo", []string{"X-Forwarded-User", "alice", "X_Forwarded_User", "alice"}, http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := h.get(c, tt.path, tt.header...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, truncate(body, 200))
			}
			switch tt.status {
			case http.StatusFound:
				if loc := resp.Header.Get("Location"); loc != "/auth/login?rd="+url.QueryEscape(tt.path) {
					t.Errorf("Location = %q, want sign-in returning to %s", loc, tt.path)
				}
			case http.StatusUnauthorized:
				if !strings.Contains(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"unauthorized"`) {
					t.Errorf("want a JSON 401, got %s: %s", resp.Header.Get("Content-Type"), body)
				}
			}
		})
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	t.Parallel()
	h, app := newGatewayHarness(t, nil)
	h.signIn(h.client)
	app.srv.Close()
	resp, body := h.get(h.client, "/echo")
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502", resp.StatusCode)
	}
	if !strings.Contains(body, "cannot be reached") || strings.Contains(body, "dial tcp") || strings.Contains(body, "goroutine") {
		t.Errorf("502 page should say it in plain words, without technical detail: %s", truncate(body, 400))
	}
	resp, body = h.get(h.client, "/echo", "Accept", "application/json")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, `"upstream_unavailable"`) {
		t.Errorf("JSON: got %d %s, want 502 upstream_unavailable", resp.StatusCode, body)
	}
}

func TestProxyDropsUpstreamSetCookieForOwnNames(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	h.signIn(h.client)
	resp, _ := h.get(h.client, "/set-cookie")
	got := resp.Header.Values("Set-Cookie")
	if len(got) != 1 || !strings.HasPrefix(got[0], "app=1") {
		t.Errorf("Set-Cookie = %q, want only the app's own cookie", got)
	}
	if !h.signedIn(h.client) {
		t.Error("the upstream's Set-Cookie signed the user out")
	}
}

func TestProxyWebSocket(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	var cookies []string
	for _, c := range h.client.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Forwarded-User: mallory\r\nCookie: %s\r\n\r\n",
		u.Host, strings.Join(cookies, "; "))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status = %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"hello", "again"} {
		fmt.Fprintf(conn, "%s\n", msg)
		if got, want := readLine(t, br), "alice says "+msg+"\n"; got != want {
			t.Errorf("echo = %q, want %q", got, want)
		}
	}
}

func TestProxyWebSocketSignedOut(t *testing.T) {
	t.Parallel()
	h, _ := newGatewayHarness(t, nil)
	resp, _ := h.get(noFollow(h.client), "/ws", "Connection", "Upgrade", "Upgrade", "websocket", "Sec-Fetch-Mode", "websocket")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed-out upgrade: status %d, want 401", resp.StatusCode)
	}
}

func TestProxyStreamsServerSentEvents(t *testing.T) {
	t.Parallel()
	h, app := newGatewayHarness(t, nil)
	h.signIn(h.client)
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/sse", nil)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The upstream sends the second event only after this first one has arrived, so
	// a proxy that buffered the stream would hang here (and the test time out).
	if got := readLine(t, br); got != "data: one\n" {
		t.Fatalf("first line = %q", got)
	}
	readLine(t, br)
	close(app.sseAck)
	if got := readLine(t, br); got != "data: two\n" {
		t.Fatalf("second event = %q", got)
	}
}

// TestProxyForwardedHeadersTrust: X-Forwarded-Host/-Proto/-For from a trusted proxy
// reach the upstream; from anyone else they are replaced by what rp saw.
func TestProxyForwardedHeadersTrust(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		host    string
		proto   string
		xff     string
	}{
		{"loopback trusted (default)", nil, "app.example.com", "https", "198.51.100.7, 127.0.0.1"},
		{"loopback not trusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "", "http", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newGatewayHarness(t, func(c *Config) { c.Gateway.TrustedProxies = tc.trusted })
			h.signIn(h.client)
			seen := proxiedEcho(t, h, h.client, "X-Forwarded-Host", "app.example.com", "X-Forwarded-Proto", "https", "X-Forwarded-For", "198.51.100.7")
			host := tc.host
			if host == "" {
				u, _ := url.Parse(h.srv.URL)
				host = u.Host
			}
			if got := seen.Header.Get("X-Forwarded-Host"); got != host {
				t.Errorf("X-Forwarded-Host = %q, want %q", got, host)
			}
			if got := seen.Header.Get("X-Forwarded-Proto"); got != tc.proto {
				t.Errorf("X-Forwarded-Proto = %q, want %q", got, tc.proto)
			}
			if got := strings.Join(seen.Header.Values("X-Forwarded-For"), ", "); got != tc.xff {
				t.Errorf("X-Forwarded-For = %q, want %q", got, tc.xff)
			}
		})
	}
}
