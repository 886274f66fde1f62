package mockidp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// controlRequest sends GET /_mock/clock from a loopback peer with the given
// Host and extra headers (name, value pairs; a name may repeat).
func controlRequest(t *testing.T, p *Provider, host string, headers ...string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/_mock/clock", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec.Code
}

// TestControlHost is the DNS rebinding defence (issue 15 item 6): a page on
// evil.example that rebinds its name to 127.0.0.1 reaches the control API
// from a loopback peer, but with its own name in Host. Only the issuer's
// hosts and loopback names are accepted, in every spelling an attacker
// might try.
func TestControlHost(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://mockidp:9400", InternalURL: "http://mockidp-internal:9400",
		PublicURL: "http://[fd00::7]:9400", ControlAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want int
	}{
		// Accepted: loopback names and addresses, the configured hosts.
		{"127.0.0.1:9400", 200},
		{"127.0.0.1", 200},
		{"127.8.9.10:1", 200},
		{"localhost:9400", 200},
		{"localhost", 200},
		{"LOCALHOST:9400", 200},
		{"LocalHost", 200},
		{"app.localhost:9400", 200},
		{"a.b.localhost", 200},
		{"[::1]:9400", 200},
		{"[::1]", 200},
		{"[0:0:0:0:0:0:0:1]:9400", 200},
		{"[::ffff:127.0.0.1]:9400", 200},
		{"mockidp:9400", 200},
		{"mockidp", 200},
		{"MockIDP:9400", 200},
		{"mockidp:1234", 200},
		{"mockidp-internal:9400", 200},
		{"[fd00::7]:9400", 200},
		{"[FD00:0::7]:9400", 200},

		// Refused: the attacker's names, however dressed.
		{"", 403},
		{"evil.example", 403},
		{"evil.example:9400", 403},
		{"EVIL.EXAMPLE:9400", 403},
		{"localhost.evil.example", 403},
		{"localhost.evil.example:9400", 403},
		{"127.0.0.1.nip.io", 403},
		{"127.0.0.1.nip.io:9400", 403},
		{"mockidp.evil.example", 403},
		{"mockidp.evil.example:9400", 403},
		{"evilmockidp:9400", 403},
		{"mockidp-internal.evil.example", 403},
		{"xlocalhost", 403},
		{"evil-localhost:9400", 403},
		{"localhost-evil.example", 403},
		{"localhost.", 403},
		{"localhost.:9400", 403},
		{"mockidp.:9400", 403},
		{"127.0.0.1.", 403},
		{".localhost", 403},
		{"a..localhost", 403},
		{"localhost..", 403},
		{"0.0.0.0:9400", 403},
		{"0.0.0.0", 403},
		{"[::]:9400", 403},
		{"10.0.0.1:9400", 403},
		{"192.168.1.20", 403},
		{"[::ffff:10.0.0.1]:9400", 403},
		{"[fe80::1]:9400", 403},
		{"[::1%25lo]:9400", 403},
		{"[::1%lo]:9400", 403},
		{"::1", 403},
		{"::1:9400", 403},
		{"[::1", 403},
		{"[::1]x", 403},
		{"[::1]:", 403},
		{"[::1]:abc", 403},
		{"[127.0.0.1]:9400", 403},
		{"127.1", 403},
		{"127.1:9400", 403},
		{"2130706433", 403},
		{"0x7f000001", 403},
		{"0x7f.0.0.1", 403},
		{"0177.0.0.1", 403},
		{"localhost:", 403},
		{"localhost:abc", 403},
		{"localhost:123456", 403},
		{"localhost:9400:9400", 403},
		{"localhost@evil.example", 403},
		{"evil.example@localhost", 403},
		{"evil.example#.localhost", 403},
		{"evil.example/.localhost", 403},
		{"evil.example\\.localhost", 403},
		{"evil.example .localhost", 403},
		{"evil.example%2elocalhost", 403},
		{"mocK\u212aidp:9400", 403}, // Kelvin sign, which Unicode lower-cases to k
		{"moc\u212aidp", 403},
		{"l\u0131ocalhost", 403},
	}
	for _, tt := range tests {
		if got := controlRequest(t, p, tt.host); got != tt.want {
			t.Errorf("Host %q: status %d, want %d", tt.host, got, tt.want)
		}
	}
}

// TestControlHostAuto: with the auto issuer the request's own Host is the
// issuer, so it proves nothing; only loopback names are accepted.
func TestControlHostAuto(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: IssuerAuto, ControlAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]int{
		"localhost:9400": 200, "127.0.0.1:9400": 200, "[::1]:9400": 200,
		"evil.example:9400": 403, "mockidp:9400": 403, "localhost.evil.example": 403,
	} {
		if got := controlRequest(t, p, host); got != want {
			t.Errorf("auto issuer, Host %q: status %d, want %d", host, got, want)
		}
		if got := controlRequest(t, p, host, "X-Forwarded-Host", "localhost"); got != want {
			t.Errorf("auto issuer, Host %q with X-Forwarded-Host localhost: status %d, want %d", host, got, want)
		}
	}
}

// TestControlOrigin refuses requests a page of another site makes: its
// Origin, or the browser's Sec-Fetch-Site, gives it away.
func TestControlOrigin(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://mockidp:9400", ControlAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"no origin (curl, test code)", nil, 200},
		{"loopback origin", []string{"Origin", "http://localhost:3000"}, 200},
		{"loopback ip origin", []string{"Origin", "http://127.0.0.1:9400"}, 200},
		{"issuer origin https", []string{"Origin", "https://mockidp:9400"}, 200},
		{"same-origin fetch", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"same-site fetch", []string{"Sec-Fetch-Site", "same-site"}, 200},
		{"typed in the address bar", []string{"Sec-Fetch-Site", "none"}, 200},

		{"foreign origin", []string{"Origin", "http://evil.example"}, 403},
		{"foreign origin with port", []string{"Origin", "http://evil.example:9400"}, 403},
		{"look-alike origin", []string{"Origin", "http://localhost.evil.example:9400"}, 403},
		{"nip.io origin", []string{"Origin", "http://127.0.0.1.nip.io:9400"}, 403},
		{"null origin (sandboxed iframe, file:)", []string{"Origin", "null"}, 403},
		{"file origin", []string{"Origin", "file://"}, 403},
		{"extension origin", []string{"Origin", "chrome-extension://abcdef"}, 403},
		{"origin with user", []string{"Origin", "http://evil.example@localhost"}, 403},
		{"origin with path", []string{"Origin", "http://localhost/evil"}, 403},
		{"origin garbage", []string{"Origin", "%%%"}, 403},
		{"good then forged origin", []string{"Origin", "http://localhost", "Origin", "http://evil.example"}, 403},
		{"forged then good origin", []string{"Origin", "http://evil.example", "Origin", "http://localhost"}, 403},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"cross-site fetch, upper case", []string{"Sec-Fetch-Site", "Cross-Site"}, 403},
		{"good origin, cross-site fetch", []string{"Origin", "http://localhost", "Sec-Fetch-Site", "cross-site"}, 403},
	}
	for _, tt := range tests {
		if got := controlRequest(t, p, "localhost:9400", tt.headers...); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestControlRebindingEndToEnd drives a real server the way a rebound page
// would: right peer, wrong Host. The control API refuses to mint, while
// the provider's public endpoints keep answering that Host.
func TestControlRebindingEndToEnd(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithControlAPI())
	mint := func(host string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.Issuer+"/_mock/mint", strings.NewReader(`{"claims":{"sub":"admin"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := mint("evil.example"); got != http.StatusForbidden {
		t.Errorf("mint with Host evil.example: %d, want 403", got)
	}
	if got := mint(strings.TrimPrefix(ts.Issuer, "http://")); got != http.StatusOK {
		t.Errorf("mint with the issuer's Host: %d, want 200", got)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.Issuer+"/healthz", nil)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz with Host evil.example: %d, want 200", resp.StatusCode)
	}
}
