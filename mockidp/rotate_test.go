package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

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
