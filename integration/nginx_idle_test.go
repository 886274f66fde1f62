package integration

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp"
)

// TestNginxIdleClock runs examples/nginx/nginx.conf as shipped, which passes
// /auth/verify's Set-Cookie on to the browser, and the same file without those two
// lines (a proxy that drops it, as the example did before), with rp's clock moved by
// the test: a person who keeps using the app through auth_request stays signed in
// past the idle timeout, and one who stops is signed out one idle timeout after
// their last request, not before.
func TestNginxIdleClock(t *testing.T) {
	t.Parallel()
	const idle = 20 * time.Minute
	tests := []struct {
		name   string
		passes bool
	}{
		{"nginx.conf as shipped", true},
		{"Set-Cookie dropped", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &confClock{}
			opts := nginxOptions{rp: func(c *rp.Config) { c.IdleTimeout, c.Now = idle, clock.Now }}
			if !tc.passes {
				opts.conf = func(s string) string {
					for _, line := range []string{
						"auth_request_set $foyer_set_cookie $upstream_http_set_cookie;",
						"add_header Set-Cookie $foyer_set_cookie always;",
					} {
						if !strings.Contains(s, line) {
							t.Fatalf("examples/nginx/nginx.conf lacks %q", line)
						}
						s = strings.Replace(s, line, "", 1)
					}
					return s
				}
			}
			st := startNginxStack(t, nil, opts)
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
			stop := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			page := func(c *http.Client) (int, string) {
				resp, body := nginxGet(t, c, st.url+"/notes")
				var got map[string]string
				_ = json.Unmarshal([]byte(body), &got)
				return resp.StatusCode, got["user"]
			}
			if code, user := page(browser); code != http.StatusOK || user != "alice" {
				t.Fatalf("sign-in through nginx: %d, user %q", code, user)
			}
			// From here on only the test moves rp's clock: time the machine takes
			// between two requests must not count as idle time ("one second
			// before the idle timeout" below is one second).
			clock.Stop()
			u, _ := url.Parse(st.url)
			seenValue := func() string {
				for _, c := range jar.Cookies(u) {
					if c.Name == "foyer_seen" {
						return c.Value
					}
				}
				return ""
			}
			// 30 minutes of use, a request every 5: longer than the idle timeout.
			var seen []string
			for i := range 6 {
				clock.Advance(5 * time.Minute)
				if code, user := page(stop); code != http.StatusOK || user != "alice" {
					t.Fatalf("active, %v after sign-in: %d %q, want 200 for alice", time.Duration(i+1)*5*time.Minute, code, user)
				}
				if v := seenValue(); v != "" && (len(seen) == 0 || seen[len(seen)-1] != v) {
					seen = append(seen, v)
				}
			}
			switch {
			case tc.passes && len(seen) < 2:
				t.Errorf("the browser got %d last-seen cookies through nginx in 30 minutes, want several", len(seen))
			case !tc.passes && len(seen) != 0:
				t.Errorf("the browser got a last-seen cookie although nginx drops Set-Cookie")
			}
			clock.Advance(idle - time.Second)
			if code, _ := page(stop); code != http.StatusOK {
				t.Fatalf("one second before the idle timeout: %d, want 200", code)
			}
			clock.Advance(idle)
			resp, _ := nginxGet(t, stop, st.url+"/notes")
			if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/auth/login") {
				t.Errorf("at the idle timeout: %d Location %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
