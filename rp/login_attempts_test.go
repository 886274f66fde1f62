package rp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLoginStore checks the gorilla/sessions store of sign-in attempts: rp's cookie
// attributes instead of gorilla's defaults, key rotation, and keys of its own.
func TestLoginStore(t *testing.T) {
	t.Parallel()
	oldKey := []byte(strings.Repeat("o", 32))
	newKey := []byte(strings.Repeat("n", 32))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ls := &loginState{State: "s", Nonce: "n", Verifier: "v", Provider: "p", Return: "/x", Created: now}

	// write saves ls with a store of secrets and returns the request carrying the cookie.
	write := func(t *testing.T, secrets [][]byte, secure bool, sameSite http.SameSite) (*http.Cookie, *http.Request) {
		t.Helper()
		st, err := newLoginStore(secrets, secure, "", 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		p := &RP{logins: st}
		rec := httptest.NewRecorder()
		if err := p.saveLogin(rec, httptest.NewRequest("GET", "/", nil), "foyer_login_x", ls, sameSite); err != nil {
			t.Fatal(err)
		}
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("got %d cookies, want 1", len(cs))
		}
		r := httptest.NewRequest("GET", "/auth/callback", nil)
		r.AddCookie(&http.Cookie{Name: cs[0].Name, Value: cs[0].Value})
		return cs[0], r
	}
	load := func(secrets [][]byte, r *http.Request) (*loginState, error) {
		st, err := newLoginStore(secrets, true, "", 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return (&RP{logins: st}).loadLogin(r, "foyer_login_x")
	}

	t.Run("attributes", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			secure   bool
			asked    http.SameSite
			wantSite http.SameSite
		}{
			{true, http.SameSiteLaxMode, http.SameSiteLaxMode},
			{true, http.SameSiteNoneMode, http.SameSiteNoneMode},
			{false, http.SameSiteNoneMode, http.SameSiteLaxMode}, // None needs Secure
		} {
			c, _ := write(t, [][]byte{newKey}, tc.secure, tc.asked)
			if !c.HttpOnly || c.Secure != tc.secure || c.SameSite != tc.wantSite || c.Path != "/" || c.MaxAge != 600 {
				t.Errorf("secure=%v sameSite=%v: got HttpOnly=%v Secure=%v SameSite=%v Path=%q MaxAge=%d, want HttpOnly, Secure=%v, SameSite=%v, Path=/, MaxAge=600",
					tc.secure, tc.asked, c.HttpOnly, c.Secure, c.SameSite, c.Path, c.MaxAge, tc.secure, tc.wantSite)
			}
		}
	})
	t.Run("rotation", func(t *testing.T) {
		t.Parallel()
		_, r := write(t, [][]byte{oldKey}, true, http.SameSiteLaxMode)
		got, err := load([][]byte{newKey, oldKey}, r)
		if err != nil || *got != *ls {
			t.Fatalf("old key after rotation: got %+v, %v; want %+v", got, err, ls)
		}
		if got, err := load([][]byte{newKey}, r); err == nil {
			t.Fatalf("removed key still decodes: %+v", got)
		}
	})
	t.Run("own keys", func(t *testing.T) {
		t.Parallel()
		c, _ := write(t, [][]byte{newKey}, true, http.SameSiteLaxMode)
		sessionCodecs, err := codecs([][]byte{newKey})
		if err != nil {
			t.Fatal(err)
		}
		cc := cookieCodec{codecs: sessionCodecs}
		if _, err := cc.decode(c.Name, c.Value); err == nil {
			t.Fatal("a login cookie decodes with the session cookie keys")
		}
	})
	t.Run("tampered", func(t *testing.T) {
		t.Parallel()
		c, _ := write(t, [][]byte{newKey}, true, http.SameSiteLaxMode)
		b := []byte(c.Value)
		b[len(b)/2] ^= 1
		r := httptest.NewRequest("GET", "/auth/callback", nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: string(b)})
		if got, err := load([][]byte{newKey}, r); err == nil {
			t.Fatalf("tampered cookie decodes: %+v", got)
		}
		if got, err := load([][]byte{newKey}, httptest.NewRequest("GET", "/", nil)); err == nil {
			t.Fatalf("no cookie decodes: %+v", got)
		}
	})
}
