package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/internal/redistest"
	"github.com/foyer-oidc/foyer/mockidp"
)

func TestRedisSessionStore(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t) // skips without redis-server (fails with REQUIRE_REDIS=1)
	st := start(t, []string{"--addr", "127.0.0.1:0", "--session-store", redis.URL}, nil)
	c := browser()
	resp, page := signInWithForm(t, st, c, "alice", "/")
	if resp.StatusCode != 200 || !strings.Contains(page, `data-testid="user-sub">alice<`) {
		t.Fatalf("sign-in with the Redis store: %d", resp.StatusCode)
	}
	u, _ := url.Parse(st.url)
	var ticket string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "foyer_session" {
			ticket = ck.Value
		}
		if strings.HasPrefix(ck.Name, "foyer_session_") {
			t.Errorf("chunk cookie %s with the Redis store", ck.Name)
		}
	}
	if len(ticket) != 66 {
		t.Errorf("session cookie = %d chars, want a 66-char ticket", len(ticket))
	}
	if resp, _ := fetch(t, c, "GET", st.url+"/readyz", nil); resp.StatusCode != 200 {
		t.Errorf("/readyz = %d, want 200", resp.StatusCode)
	}

	// Redis down: signed-in requests fail closed with 503, never 500 and never let in.
	redis.Kill()
	for _, path := range []string{"/auth/userinfo", "/"} {
		resp, body := fetch(t, c, "GET", st.url+path, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "alice@example.com") {
			t.Errorf("%s with Redis down: %d, want 503 and nothing of alice", path, resp.StatusCode)
		}
	}
	if resp, _ := fetch(t, c, "GET", st.url+"/readyz", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down = %d, want 503", resp.StatusCode)
	}
	// Redis back (with its data): the same session works again without restarting rp.
	redis.Restart()
	if resp, body := fetch(t, c, "GET", st.url+"/auth/userinfo", nil); resp.StatusCode != 200 || !strings.Contains(body, `"sub": "alice"`) {
		t.Errorf("after Redis came back: %d %s", resp.StatusCode, body)
	}

	// Sign-out deletes the session in Redis: a copy of the ticket is worthless.
	stolen := browser()
	stolen.Jar.SetCookies(u, c.Jar.Cookies(u))
	_, logout := fetch(t, c, "GET", st.url+"/auth/logout", nil)
	m := csrfField.FindStringSubmatch(logout)
	if m == nil {
		t.Fatal("no CSRF token")
	}
	fetch(t, c, "POST", st.url+"/auth/logout", url.Values{"csrf": {m[1]}})
	if resp, _ := fetch(t, stolen, "GET", st.url+"/auth/userinfo", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a copy of the ticket after sign-out: %d, want 401", resp.StatusCode)
	}
}

func TestTwoReplicasShareRedis(t *testing.T) {
	t.Parallel()
	redis := redistest.Start(t)
	idp := mockidp.NewTestServer(t)
	env := map[string]string{
		"RP_ISSUER": idp.Issuer, "RP_CLIENT_ID": idp.ClientID, "RP_CLIENT_SECRET": idp.ClientSecret,
		"RP_COOKIE_SECRET": "0123456789abcdef0123456789abcdef-shared", "RP_SESSION_STORE": redis.URL,
	}
	a := start(t, []string{"--addr", "127.0.0.1:0"}, env)
	b := start(t, []string{"--addr", "127.0.0.1:0"}, env)
	c := browser() // cookies ignore ports: the browser sends A's cookie to B too
	for _, r := range []*started{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		for ctx.Err() == nil {
			if resp, _ := fetch(t, http.DefaultClient, "GET", r.url+"/readyz", nil); resp.StatusCode == 200 {
				break
			}
			time.Sleep(50 * time.Millisecond) // polling readiness, not a fixed wait
		}
		cancel()
	}
	if resp, body := fetch(t, c, "GET", a.url+"/auth/login?rd=/", nil); resp.StatusCode != 200 || !strings.Contains(body, `data-testid="user-sub">alice<`) {
		t.Fatalf("sign-in on A: %d", resp.StatusCode)
	}
	resp, body := fetch(t, c, "GET", b.url+"/auth/userinfo", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"sub": "alice"`) {
		t.Fatalf("the session from A on B: %d %s", resp.StatusCode, body)
	}
	var info struct {
		Claims map[string]any `json:"claims"`
	}
	_ = json.Unmarshal([]byte(body), &info)
	sid, _ := info.Claims["sid"].(string)
	now := time.Now()
	tok, err := idp.Mint(map[string]any{
		"iss": idp.Issuer, "aud": idp.ClientID, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "logout-1", "sid": sid,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{200, 400} { // the replay is refused, by the other replica too
		target := b
		if i == 1 {
			target = a
		}
		if resp, _ := fetch(t, http.DefaultClient, "POST", target.url+"/auth/backchannel-logout", url.Values{"logout_token": {tok}}); resp.StatusCode != want {
			t.Errorf("logout token #%d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	for _, r := range []*started{a, b} {
		if resp, _ := fetch(t, c, "GET", r.url+"/auth/userinfo", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s after a back-channel logout through B: %d, want 401", r.url, resp.StatusCode)
		}
	}
}

func TestIsRedisURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"redis://127.0.0.1:6379/0", true},
		{"rediss://:pw@redis.example:6380/2", true},
		{"redis+sentinel://s1:26379/0?master_name=m", true},
		{"rediss+sentinel://s1:26379/0?master_name=m", true},
		{"redis+cluster://n1:7000?addr=n2:7001", true},
		{"rediss+cluster://n1:7000", true},
		{"cookie", false},
		{"memcached://x:11211", false},
		{"http://redis:6379", false},
		{"redisx://h", false},
		{"://", false},
	} {
		if got := isRedisURL(tc.in); got != tc.want {
			t.Errorf("isRedisURL(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestIndexKeysAreDerived(t *testing.T) {
	t.Parallel()
	a, b := []byte("0123456789abcdef0123456789abcdef-new"), []byte("0123456789abcdef0123456789abcdef-old")
	keys, err := indexKeys([][]byte{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys[0]) != 32 || len(keys[1]) != 32 {
		t.Fatalf("got %d keys, want 2 of 32 bytes", len(keys))
	}
	if string(keys[0]) == string(keys[1]) || strings.Contains(string(keys[0]), string(a[:16])) {
		t.Errorf("index keys are not distinct derivations of the secrets")
	}
	// Same secrets, same keys (every replica must agree), in the same order.
	again, _ := indexKeys([][]byte{b})
	if string(again[0]) != string(keys[1]) {
		t.Errorf("the old secret's key changed with its position")
	}
}

// rp starts with Redis unreachable (connections are lazy): it serves, says it is not
// ready, and a sign-in ends on a 503 page, never a 500.
func TestRedisDownAtStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + ln.Addr().String() + "/0" // nobody listens once closed
	ln.Close()
	st := start(t, []string{"--addr", "127.0.0.1:0", "--session-store", closed}, nil)
	resp, body := fetch(t, http.DefaultClient, "GET", st.url+"/readyz", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "session_store") {
		t.Errorf("/readyz with Redis down = %d %s, want 503 naming the session store", resp.StatusCode, body)
	}
	resp, page := signInWithForm(t, st, browser(), "alice", "/")
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(page, "alice@example.com") {
		t.Errorf("sign-in with Redis down = %d, want 503 and nothing of alice", resp.StatusCode)
	}
}
