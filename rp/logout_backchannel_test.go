package rp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/rp/revocation"
)

func TestBackchannelLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.signIn(h.client)
	s := h.session(h.client)
	if s.SID == "" {
		t.Fatal("session has no sid")
	}
	now := time.Now()
	valid := func(over map[string]any) map[string]any {
		c := map[string]any{
			"iss": h.idp.Issuer, "aud": "demo", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": randomString(12), "sid": s.SID,
			"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
		}
		for k, v := range over {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	post := func(token string) int {
		resp, err := http.PostForm(h.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		if resp.StatusCode == http.StatusBadRequest {
			var e struct {
				Error string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error != "invalid_request" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("400 body: error %q (%v), Content-Type %q; want JSON with error invalid_request", e.Error, err, resp.Header.Get("Content-Type"))
			}
		}
		return resp.StatusCode
	}
	mint := func(c map[string]any) string {
		tok, err := h.idp.Mint(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	bad := map[string]string{
		"no events":   mint(valid(map[string]any{"events": nil})),
		"wrong event": mint(valid(map[string]any{"events": map[string]any{"http://schemas.openid.net/event/foobar": map[string]any{}}})),
		"with nonce":  mint(valid(map[string]any{"nonce": "n"})),
		"wrong aud":   mint(valid(map[string]any{"aud": "other"})),
		"wrong iss":   mint(valid(map[string]any{"iss": "https://example.org"})),
		"no jti":      mint(valid(map[string]any{"jti": nil})),
		"no iat":      mint(valid(map[string]any{"iat": nil})),
		"no sid, sub": mint(valid(map[string]any{"sid": nil})),
		"alg none":    "eyJhbGciOiJub25lIn0." + strings.Split(mint(valid(nil)), ".")[1] + ".",
		"bad sig":     mint(valid(nil)) + "x",
		"not a token": "hello",
		"empty":       "",
		"future iat":  mint(valid(map[string]any{"iat": now.Add(time.Hour).Unix()})),
		"expired":     mint(valid(map[string]any{"exp": now.Add(-time.Hour).Unix()})),
	}
	for name, tok := range bad {
		if got := post(tok); got != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, got)
		}
	}
	if !h.signedIn(h.client) {
		t.Fatal("a rejected logout token ended the session")
	}
	good := mint(valid(nil))
	if got := post(good); got != http.StatusOK {
		t.Fatalf("valid logout token: status %d, want 200", got)
	}
	if h.signedIn(h.client) {
		t.Error("still signed in after a back-channel logout")
	}
	if got := post(good); got != http.StatusBadRequest {
		t.Errorf("replayed logout token: status %d, want 400", got)
	}
	// A new sign-in after the logout is not affected.
	h.clock.Advance(time.Second)
	h.signIn(h.client)
	// Logout by sub alone.
	if got := post(mint(valid(map[string]any{"sid": nil, "sub": "alice"}))); got != http.StatusOK {
		t.Fatalf("logout token by sub: status %d", got)
	}
	if h.signedIn(h.client) {
		t.Error("still signed in after a back-channel logout by sub")
	}
}

// flakyList is a revocation list whose backing store can be taken down.
type flakyList struct {
	down atomic.Bool
	mem  *revocation.Memory
}

var errDown = errors.New("store down")

func (f *flakyList) Revoke(ctx context.Context, iss string, k revocation.Kind, v string, at time.Time, ttl time.Duration) error {
	if f.down.Load() {
		return errDown
	}
	return f.mem.Revoke(ctx, iss, k, v, at, ttl)
}

func (f *flakyList) RevokedAt(ctx context.Context, iss, sid, sub string) (time.Time, bool, error) {
	if f.down.Load() {
		return time.Time{}, false, errDown
	}
	return f.mem.RevokedAt(ctx, iss, sid, sub)
}

func (f *flakyList) SeenJTI(ctx context.Context, iss, jti string, ttl time.Duration) (bool, error) {
	if f.down.Load() {
		return false, errDown
	}
	return f.mem.SeenJTI(ctx, iss, jti, ttl)
}

func TestRevocationListOutageFailsClosed(t *testing.T) {
	t.Parallel()
	list := &flakyList{mem: revocation.NewMemory(nil)}
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.Revocations, c.ReplayCache = list, list }})
	h.signIn(h.client)
	list.down.Store(true)
	if resp, _ := h.get(h.client, "/app/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("signed-in request with the revocation list down: %d, want 503", resp.StatusCode)
	}
	s := h.session(h.client)
	tok, _ := h.idp.Mint(map[string]any{
		"iss": h.idp.Issuer, "aud": "demo", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix(),
		"jti": "j1", "sid": s.SID, "events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	})
	resp, err := http.PostForm(h.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("back-channel logout with the replay cache down: %d, want 503", resp.StatusCode)
	}
}
