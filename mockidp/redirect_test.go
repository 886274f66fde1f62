package mockidp

import "testing"

func TestAllowsRedirect(t *testing.T) {
	t.Parallel()
	registered := &Client{ID: "app", RedirectURIs: []string{"https://app.example.com/cb", "http://app.example.com:8080/cb?x=1"}}
	loopback := &Client{ID: "dev", AllowLoopbackRedirects: true}
	tests := []struct {
		name   string
		client *Client
		uri    string
		want   bool
	}{
		{"exact", registered, "https://app.example.com/cb", true},
		{"exact with query", registered, "http://app.example.com:8080/cb?x=1", true},
		{"longer path", registered, "https://app.example.com/cb/more", false},
		{"path prefix", registered, "https://app.example.com/c", false},
		{"trailing slash", registered, "https://app.example.com/cb/", false},
		{"extra query", registered, "https://app.example.com/cb?x=1", false},
		{"changed query", registered, "http://app.example.com:8080/cb?x=2", false},
		{"different port", registered, "https://app.example.com:8443/cb", false},
		{"explicit default port", registered, "https://app.example.com:443/cb", false},
		{"http instead of https", registered, "http://app.example.com/cb", false},
		{"mixed case scheme", registered, "HTTPS://app.example.com/cb", false},
		{"mixed case host", registered, "https://APP.example.com/cb", false},
		{"fragment", registered, "https://app.example.com/cb#x", false},
		{"userinfo", registered, "https://user@app.example.com/cb", false},
		{"other host", registered, "https://evil.example.com/cb", false},
		{"empty", registered, "", false},
		{"registered client ignores loopback", registered, "http://127.0.0.1/cb", false},

		{"loopback ip any port", loopback, "http://127.0.0.1:5555/callback", true},
		{"loopback ip no port", loopback, "http://127.0.0.1/callback", true},
		{"loopback 127/8", loopback, "http://127.1.2.3:80/x?y=z", true},
		{"localhost https", loopback, "https://localhost:8443/auth/callback", true},
		{"ipv6 loopback", loopback, "http://[::1]:9000/cb", true},
		{"userinfo trick", loopback, "http://127.0.0.1@evil.com/", false},
		{"userinfo with port", loopback, "http://127.0.0.1:80@evil.com/cb", false},
		{"localhost subdomain trick", loopback, "http://localhost.evil.com/cb", false},
		{"loopback-looking host", loopback, "http://127.0.0.1.evil.com/cb", false},
		{"fragment", loopback, "http://127.0.0.1/cb#frag", false},
		{"empty fragment", loopback, "http://127.0.0.1/cb#", false},
		{"mixed case scheme", loopback, "HTTP://127.0.0.1/cb", false},
		{"uppercase localhost", loopback, "http://LOCALHOST/cb", false},
		{"other scheme", loopback, "ftp://127.0.0.1/cb", false},
		{"custom scheme", loopback, "myapp://127.0.0.1/cb", false},
		{"javascript", loopback, "javascript://127.0.0.1/%0aalert(1)", false},
		{"non-loopback ip", loopback, "http://10.0.0.1/cb", false},
		{"unspecified ip", loopback, "http://0.0.0.0/cb", false},
		{"short ip form", loopback, "http://127.1/cb", false},
		{"decimal ip", loopback, "http://2130706433/cb", false},
		{"backslash", loopback, `http://127.0.0.1\@evil.com/`, false},
		{"space", loopback, "http://127.0.0.1/c b", false},
		{"newline", loopback, "http://127.0.0.1/cb\n", false},
		{"unbracketed ipv6", loopback, "http://::1/cb", false},
		{"scheme relative", loopback, "//127.0.0.1/cb", false},
		{"no host", loopback, "http:///cb", false},
		{"bad port", loopback, "http://127.0.0.1:x/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.client.allowsRedirect(tt.uri); got != tt.want {
				t.Errorf("allowsRedirect(%q) = %v, want %v", tt.uri, got, tt.want)
			}
			if got := tt.client.allowsPostLogout(tt.uri); tt.client == loopback && got != tt.want {
				t.Errorf("allowsPostLogout(%q) = %v, want %v", tt.uri, got, tt.want)
			}
		})
	}
}
