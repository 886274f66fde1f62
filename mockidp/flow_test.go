package mockidp

import (
	"context"
	"testing"

	"golang.org/x/oauth2"
)

// TestFlowGoOIDC runs the whole code flow with go-oidc and x/oauth2 as the
// client, for every signing algorithm: discovery, authorization, code
// exchange, ID token signature and claims, at_hash, userinfo and refresh.
func TestFlowGoOIDC(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} { // the test's own list, not the production one
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithAlg(alg))
			rp := newRP(t, ts)
			ctx := context.Background()
			code, verifier := rp.login(t, newBrowser(t), "state-1", "nonce-1")
			tok, err := rp.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := rp.verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if idt.Nonce != "nonce-1" || idt.Subject != "alice" {
				t.Errorf("nonce, sub = %q, %q; want nonce-1, alice", idt.Nonce, idt.Subject)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("VerifyAccessToken: %v", err)
			}
			var claims struct {
				Email    string   `json:"email"`
				Groups   []string `json:"groups"`
				SID      string   `json:"sid"`
				AZP      string   `json:"azp"`
				AuthTime int64    `json:"auth_time"`
			}
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if claims.Email != "alice@example.com" || len(claims.Groups) != 2 || claims.SID == "" || claims.AZP != "demo" || claims.AuthTime == 0 {
				t.Errorf("claims = %+v", claims)
			}
			ui, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatalf("UserInfo: %v", err)
			}
			if ui.Subject != "alice" || ui.Email != "alice@example.com" {
				t.Errorf("userinfo sub, email = %q, %q", ui.Subject, ui.Email)
			}
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token")
			}
			tok.Expiry = tok.Expiry.Add(-24 * 3600e9) // force a refresh
			tok2, err := rp.conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
				t.Error("refresh did not rotate the tokens")
			}
			idt2, err := rp.verifier.Verify(ctx, tok2.Extra("id_token").(string))
			if err != nil {
				t.Fatalf("Verify refreshed ID token: %v", err)
			}
			if idt2.Nonce != "" || idt2.Subject != "alice" {
				t.Errorf("refreshed nonce, sub = %q, %q; want \"\", alice", idt2.Nonce, idt2.Subject)
			}
		})
	}
}
