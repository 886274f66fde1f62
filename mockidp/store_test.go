package mockidp

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestSweep checks that expired entries are dropped so that a long-running
// provider does not grow without bound, and live ones are kept.
func TestSweep(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	tokens(t, ts) // two grants whose access tokens and codes will expire
	tokens(t, ts)
	ts.Advance(time.Hour + time.Minute) // old access tokens (1 h by default) and the codes expire
	live := tokens(t, ts)

	ts.mu.Lock()
	before := len(ts.access)
	ts.inserts = sweepEvery - 1 // the next insertion sweeps
	ts.mu.Unlock()
	freshCode(t, ts, "demo")

	ts.mu.Lock()
	after, codes, refresh := len(ts.access), len(ts.codes), len(ts.refresh)
	ts.mu.Unlock()
	if before != 3 || after != 1 {
		t.Errorf("access tokens before/after sweep = %d/%d, want 3/1", before, after)
	}
	if codes != 2 {
		t.Errorf("%d codes after sweep, want 2 (the live grant's used one, kept for replay detection, and the fresh one)", codes)
	}
	if refresh != 3 {
		t.Errorf("%d refresh tokens after sweep, want 3 (not expired yet)", refresh)
	}
	if got := userinfoStatus(t, ts, live.AccessToken); got != 200 {
		t.Errorf("live access token after sweep: %d", got)
	}
}

// TestTestServerOptions runs a sign-in against a test server under a path,
// with its own users.
func TestTestServerOptions(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithIssuerPath("/mockidp"), WithUsers(User{Subject: "carol", Claims: map[string]any{"email": "carol@example.com"}}))
	if ts.Issuer != ts.Server.URL+"/mockidp" || ts.Provider.Issuer() != ts.Issuer {
		t.Fatalf("Issuer = %q, Provider.Issuer() = %q, want %s/mockidp", ts.Issuer, ts.Provider.Issuer(), ts.Server.URL)
	}
	rp := newRP(t, ts)
	code, verifier := rp.login(t, newBrowser(t), "s", "n")
	tok, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := rp.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "carol" {
		t.Errorf("sub = %q, want carol", idt.Subject)
	}
}
