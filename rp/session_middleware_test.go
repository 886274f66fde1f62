package rp

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

func TestTamperedSessionCookieMeansSignedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	h.signIn(h.client)
	u, _ := url.Parse(h.srv.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			c.Value = flip(c.Value, 20)
			h.client.Jar.SetCookies(u, []*http.Cookie{c})
		}
	}
	if resp, _ := h.get(h.client, "/auth/userinfo"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered cookie: /auth/userinfo = %d, want 401", resp.StatusCode)
	}
	if resp, _ := h.get(noFollow(h.client), "/app/"); resp.StatusCode != http.StatusFound {
		t.Errorf("tampered cookie: /app/ = %d, want 302 to sign in", resp.StatusCode)
	}
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	attacker := h.newBrowser()
	h.signIn(attacker)
	fixed := h.session(attacker)
	// The victim's browser is given the attacker's session cookie, then signs in.
	victim := h.newBrowser()
	u, _ := url.Parse(h.srv.URL)
	victim.Jar.SetCookies(u, attacker.Jar.Cookies(u))
	h.idp.QueueLogin("", mockidp.User{Subject: "bob"})
	resp, body := h.get(victim, "/auth/login?rd=/app/")
	if resp.StatusCode != 200 || body != "hello bob" {
		t.Fatalf("victim sign-in: %d %q", resp.StatusCode, body)
	}
	got := h.session(victim)
	if got == nil || got.ID == fixed.ID || got.CSRF == fixed.CSRF {
		t.Errorf("session id or CSRF token reused across sign-ins (fixation)")
	}
	// Signing in again also gets a new session.
	h.get(victim, "/auth/login?rd=/app/")
	if again := h.session(victim); again == nil || again.ID == got.ID {
		t.Errorf("a second sign-in kept the session id")
	}
}

func TestIdleAndAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	cfg := func(c *Config) {
		c.IdleTimeout = 30 * time.Minute
		c.AbsoluteLifetime = 2 * time.Hour
	}
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpt{cfg: cfg})
		h.signIn(h.client)
		h.clock.Advance(29 * time.Minute)
		if !h.signedIn(h.client) {
			t.Fatal("signed out before the idle timeout")
		}
		h.clock.Advance(29 * time.Minute) // active 29 min ago: still fine
		if !h.signedIn(h.client) {
			t.Fatal("activity did not extend the idle timeout")
		}
		h.clock.Advance(31 * time.Minute)
		if h.signedIn(h.client) {
			t.Error("still signed in after 31 idle minutes (idle timeout 30m)")
		}
	})
	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpt{cfg: func(c *Config) {
			cfg(c)
			c.RefreshBefore = time.Nanosecond // keep refreshes out of the way
		}})
		h.signIn(h.client)
		for range 5 { // stay active: 5 × 25 min = 125 min > 2 h
			h.clock.Advance(25 * time.Minute)
			h.idp.Advance(25 * time.Minute)
			h.signedIn(h.client)
		}
		if h.signedIn(h.client) {
			t.Error("activity extended the absolute lifetime")
		}
	})
}
