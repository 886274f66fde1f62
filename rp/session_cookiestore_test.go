package rp

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var (
	testSecret  = []byte("0123456789abcdef0123456789abcdef-test")
	otherSecret = []byte("fedcba9876543210fedcba9876543210-other")
)

// largeSession is a realistic large token set: a 2 KB ID token carrying 100 groups.
func largeSession(now time.Time) *Session {
	groups := make([]string, 100)
	for i := range groups {
		groups[i] = fmt.Sprintf("group-%03d-engineering-platform", i)
	}
	claims := fmt.Sprintf(`{"iss":"https://idp.example.com","sub":"u-1","aud":"app","groups":["%s"]}`, strings.Join(groups, `","`))
	enc := func(s string) string { return strings.TrimRight(b64(s), "=") }
	idToken := enc(`{"alg":"RS256","kid":"k1"}`) + "." + enc(claims) + "." + randomString(256)
	return &Session{
		ID: randomString(32), Provider: "corp", Issuer: "https://idp.example.com", Subject: "u-1",
		CSRF: randomString(32), CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour),
		Tokens: Tokens{
			AccessToken:  randomString(900),
			RefreshToken: randomString(600),
			IDToken:      idToken,
			Expiry:       now.Add(5 * time.Minute),
		},
	}
}

func b64(s string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(stdB64(s))
}

// roundTrip saves s with st and loads it back through a request carrying the cookies.
func roundTrip(t *testing.T, save, load *CookieStore, s *Session) (*Session, []*http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := save.Save(rec, httptest.NewRequest("GET", "/", nil), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	cookies := rec.Result().Cookies()
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	got, err := load.Load(req)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return got, cookies
}

func TestCookieStoreLargeSessionIsChunked(t *testing.T) {
	t.Parallel()
	st, err := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	s := largeSession(time.Now())
	if n := len(s.Tokens.IDToken); n < 2048 {
		t.Fatalf("test ID token is %d bytes, want at least 2048", n)
	}
	got, cookies := roundTrip(t, st, st, s)
	if got == nil || got.ID != s.ID || got.Tokens.IDToken != s.Tokens.IDToken || got.Tokens.RefreshToken != s.Tokens.RefreshToken ||
		got.Tokens.AccessToken != s.Tokens.AccessToken || !got.Tokens.Expiry.Equal(s.Tokens.Expiry) || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Fatalf("large session did not round-trip")
	}
	if len(got.Claims()["groups"].([]any)) != 100 {
		t.Errorf("groups claim lost")
	}
	for _, c := range cookies {
		if n := len(c.String()); n > 4096 {
			t.Errorf("cookie %s is %d bytes, over the 4096-byte limit", c.Name, n)
		}
	}
	t.Logf("large session: %d cookies", len(cookies))
}

func TestCookieStoreAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		insecure   bool
		wantName   string
		wantSecure bool
	}{
		{"https", false, "__Host-foyer_session", true},
		{"plain-http loopback", true, "foyer_session", false},
	}
	for _, tc := range tests {
		st, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}, InsecureHTTP: tc.insecure})
		_, cookies := roundTrip(t, st, st, largeSession(time.Now()))
		c := cookies[0]
		if c.Name != tc.wantName || c.Secure != tc.wantSecure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("%s: cookie %q Secure=%v HttpOnly=%v SameSite=%v Path=%q Domain=%q; want %q Secure=%v HttpOnly SameSite=Lax Path=/ no Domain",
				tc.name, c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain, tc.wantName, tc.wantSecure)
		}
		if c.MaxAge <= 0 || c.MaxAge > 3600 {
			t.Errorf("%s: Max-Age = %d, want the time left until the absolute expiry (<= 3600)", tc.name, c.MaxAge)
		}
	}
}

func TestCookieStoreKeyRotationAndTampering(t *testing.T) {
	t.Parallel()
	old, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{otherSecret}})
	rotated, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret, otherSecret}})
	fresh, _ := NewCookieStore(CookieStoreConfig{Secrets: [][]byte{testSecret}})
	s := largeSession(time.Now())
	if got, _ := roundTrip(t, old, rotated, s); got == nil || got.ID != s.ID {
		t.Errorf("a cookie made with the old key does not decode after rotation")
	}
	if got, _ := roundTrip(t, old, fresh, s); got != nil {
		t.Errorf("a cookie made with a removed key still decodes")
	}
	// Tampering: flip one character of each chunk, drop a chunk, swap chunks.
	rec := httptest.NewRecorder()
	if err := fresh.Save(rec, httptest.NewRequest("GET", "/", nil), s); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) < 2 {
		t.Fatalf("want a multi-chunk session for this test, got %d chunks", len(cookies))
	}
	mutations := map[string]func([]*http.Cookie) []*http.Cookie{
		"flip first": func(cs []*http.Cookie) []*http.Cookie {
			cs[0].Value = flip(cs[0].Value, 10)
			return cs
		},
		"flip last": func(cs []*http.Cookie) []*http.Cookie {
			cs[len(cs)-1].Value = flip(cs[len(cs)-1].Value, 5)
			return cs
		},
		"drop last": func(cs []*http.Cookie) []*http.Cookie { return cs[:len(cs)-1] },
		"swap": func(cs []*http.Cookie) []*http.Cookie {
			cs[0].Value, cs[1].Value = cs[1].Value, cs[0].Value
			return cs
		},
		"garbage": func(cs []*http.Cookie) []*http.Cookie {
			return []*http.Cookie{{Name: cs[0].Name, Value: "%%%not-base64"}}
		},
	}
	for name, mutate := range mutations {
		cs := make([]*http.Cookie, len(cookies))
		for i, c := range cookies {
			cc := *c
			cs[i] = &cc
		}
		req := httptest.NewRequest("GET", "/", nil)
		for _, c := range mutate(cs) {
			req.AddCookie(c)
		}
		got, err := fresh.Load(req)
		if err != nil || got != nil {
			t.Errorf("%s: Load = %v, %v; want no session and no error", name, got, err)
		}
	}
}

func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func stdB64(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }
