package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func jwksKIDs(t *testing.T, ts *TestServer) []string {
	t.Helper()
	resp, body := get(t, http.DefaultClient, ts.Issuer+"/jwks")
	if resp.StatusCode != 200 {
		t.Fatalf("jwks: %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithAlg("ES256"))
	rp := newRP(t, ts) // go-oidc caches the JWKS from its first use
	ctx := context.Background()
	tok, err := exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	oldHint := tok.Extra("id_token").(string)
	if _, err := rp.verifier.Verify(ctx, oldHint); err != nil {
		t.Fatal(err)
	}
	first := jwksKIDs(t, ts)

	if err := ts.RotateKey(); err != nil {
		t.Fatal(err)
	}
	second := jwksKIDs(t, ts)
	if len(second) != 2 || second[1] != first[0] || second[0] == first[0] {
		t.Fatalf("JWKS after one rotation = %v, want [new %s]", second, first[0])
	}
	tok, err = exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	raw := tok.Extra("id_token").(string)
	if h, _ := jwtParts(t, raw); h["kid"] != second[0] {
		t.Errorf("kid after rotation = %v, want %s", h["kid"], second[0])
	}
	if _, err := rp.verifier.Verify(ctx, raw); err != nil {
		t.Errorf("Verify after rotation (go-oidc refetches on an unknown kid): %v", err)
	}
	// The previous key still verifies an id_token_hint.
	resp, _ := get(t, newBrowser(t), ts.Issuer+"/end_session?"+url.Values{"id_token_hint": {oldHint}}.Encode())
	if resp.StatusCode != 200 {
		t.Errorf("end_session with a hint signed by the previous key: %d, want 200", resp.StatusCode)
	}

	if err := ts.RotateKey(); err != nil {
		t.Fatal(err)
	}
	third := jwksKIDs(t, ts)
	if len(third) != 2 || third[1] != second[0] {
		t.Fatalf("JWKS after two rotations = %v, want [new %s]", third, second[0])
	}
	resp, _ = get(t, newBrowser(t), ts.Issuer+"/end_session?"+url.Values{"id_token_hint": {oldHint}}.Encode())
	if resp.StatusCode != 400 {
		t.Errorf("end_session with a hint signed by a withdrawn key: %d, want 400", resp.StatusCode)
	}
}

func TestRotateKeyOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		overlap    time.Duration
		advance    time.Duration
		wantBefore int // keys right after the rotation
		wantAfter  int // keys after advance
	}{
		{"until next rotation", 0, 24 * time.Hour, 2, 2},
		{"ten minutes, inside", 10 * time.Minute, 9 * time.Minute, 2, 2},
		{"ten minutes, after", 10 * time.Minute, 10 * time.Minute, 2, 1},
		{"removed at once", -1, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithAlg("EdDSA"))
			first := jwksKIDs(t, ts)
			if err := ts.RotateKeyOverlap(tt.overlap); err != nil {
				t.Fatal(err)
			}
			if got := jwksKIDs(t, ts); len(got) != tt.wantBefore || got[0] == first[0] {
				t.Fatalf("after rotation: %v, want %d keys, new first", got, tt.wantBefore)
			}
			ts.Advance(tt.advance)
			got := jwksKIDs(t, ts)
			if len(got) != tt.wantAfter {
				t.Errorf("after %v: %d keys %v, want %d", tt.advance, len(got), got, tt.wantAfter)
			}
		})
	}
}

func TestRotateKeyConfigOverlap(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t, WithAlg("ES256"), WithConfig(func(c *Config) { c.KeyOverlap = time.Minute }))
	for range 3 { // three rotations inside one overlap: all three old keys stay
		if err := ts.RotateKey(); err != nil {
			t.Fatal(err)
		}
	}
	if got := jwksKIDs(t, ts); len(got) != 4 {
		t.Errorf("keys = %d, want 4 (current and three in overlap)", len(got))
	}
	ts.Advance(time.Minute)
	if got := jwksKIDs(t, ts); len(got) != 1 {
		t.Errorf("keys after the overlap = %d, want 1", len(got))
	}
}

func TestJWKSCacheHeaders(t *testing.T) {
	t.Parallel()
	for _, cc := range []string{"", "max-age=300"} {
		t.Run("cache-control "+cc, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithConfig(func(c *Config) { c.JWKSCacheControl = cc }))
			resp, _ := get(t, http.DefaultClient, ts.Issuer+"/jwks")
			want := cc
			if want == "" {
				want = "no-cache" // the default, the test's own value
			}
			if got := resp.Header.Get("Cache-Control"); got != want {
				t.Errorf("Cache-Control = %q, want %q", got, want)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			req, _ := http.NewRequest(http.MethodGet, ts.Issuer+"/jwks", nil)
			req.Header.Set("If-None-Match", etag)
			r2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r2.Body.Close()
			if r2.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation status = %d, want 304", r2.StatusCode)
			}
			if err := ts.RotateKeyOverlap(-1); err != nil {
				t.Fatal(err)
			}
			r3, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r3.Body.Close()
			if r3.StatusCode != http.StatusOK || r3.Header.Get("ETag") == etag {
				t.Errorf("after rotation: status %d, ETag %q; want 200 and a new ETag", r3.StatusCode, r3.Header.Get("ETag"))
			}
		})
	}
}
