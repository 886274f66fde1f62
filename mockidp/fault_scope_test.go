package mockidp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// TestFaultIsolationSharedServer runs parallel subtests against ONE
// provider; each scopes its faults by client or by login_hint and must see
// only its own.
func TestFaultIsolationSharedServer(t *testing.T) {
	t.Parallel()
	var clients []Client
	for i := range 6 {
		clients = append(clients, Client{ID: fmt.Sprintf("iso-%d", i), Secret: "s", AllowLoopbackRedirects: true})
	}
	ts := NewTestServer(t, WithClients(clients...))
	tests := []struct {
		name     string
		clientID string
		hint     string // login_hint sent, and the fault's LoginHint when byHint
		byHint   bool
		sub      string // injected sub
	}{
		{"client 0", "iso-0", "", false, "s0"},
		{"client 1", "iso-1", "", false, "s1"},
		{"client 2", "iso-2", "", false, "s2"},
		{"hint bob on client 3", "iso-3", "bob", true, "hb"},
		{"hint alice on client 3", "iso-3", "alice", true, "ha"},
		{"hint carol-less on client 4", "iso-4", "alice@example.com", true, "hc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := Fault{IDTokenClaims: map[string]any{"sub": tt.sub}, Times: 3}
			if tt.byHint {
				f.LoginHint = tt.hint
			} else {
				f.ClientID = tt.clientID
			}
			ts.InjectFault(f)
			rp := newRP(t, withClient(ts, tt.clientID))
			for round := range 4 {
				tok, err := exchangeHint(t, rp, tt.hint)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				_, c := jwtParts(t, tok.Extra("id_token").(string))
				want := tt.sub
				if round == 3 { // Times 3: the fourth is clean
					want = map[string]string{"bob": "bob", "alice": "alice", "alice@example.com": "alice", "": "alice"}[tt.hint]
				}
				if c["sub"] != want {
					t.Errorf("round %d: sub = %v, want %s", round, c["sub"], want)
				}
			}
		})
	}
}

// withClient returns a copy of ts with another client as its default.
func withClient(ts *TestServer, clientID string) *TestServer {
	c := *ts
	c.ClientID, c.ClientSecret = clientID, ts.client(clientID).Secret
	return &c
}

// exchangeHint signs in with login_hint hint and redeems the code.
func exchangeHint(t *testing.T, rp *rpClient, hint string) (*oauth2.Token, error) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oidc.Nonce("n"), oauth2.S256ChallengeOption(verifier)}
	if hint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	q := authorizeRedirect(t, newBrowser(t), rp.conf.AuthCodeURL("s", opts...))
	if q.Get("code") == "" {
		t.Fatalf("no code: %v", q)
	}
	return rp.conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
}

// TestFaultLoginHintCarried checks that a login_hint fault reaches the
// token endpoint on refresh and the userinfo endpoint.
func TestFaultLoginHintCarried(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	ts.InjectFault(Fault{LoginHint: "bob", Refresh: true, IDTokenClaims: map[string]any{"iss": "https://other.example"}})
	ts.InjectFault(Fault{LoginHint: "bob", UserinfoStatus: http.StatusUnauthorized, UserinfoBody: `{"error":"invalid_token"}`})
	ctx := context.Background()
	alice, err := exchangeHint(t, rp, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(alice)); err != nil {
		t.Errorf("alice's userinfo hit bob's fault: %v", err)
	}
	bob, err := exchangeHint(t, rp, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, bob.Extra("id_token").(string)); c["iss"] != ts.Issuer {
		t.Errorf("code grant iss = %v, want the real issuer (Refresh-only fault)", c["iss"])
	}
	if _, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(bob)); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bob's userinfo: %v, want a 401 error", err)
	}
	bob.Expiry = time.Now().Add(-time.Hour)
	refreshed, err := rp.conf.TokenSource(ctx, bob).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, c := jwtParts(t, refreshed.Extra("id_token").(string)); c["iss"] != "https://other.example" {
		t.Errorf("refreshed iss = %v, want https://other.example", c["iss"])
	}
}

// TestFaultJWKSWithoutKID covers OIDF kid-absent-single-jwks and
// kid-absent-multiple-jwks: go-oidc accepts both by trying every key.
func TestFaultJWKSWithoutKID(t *testing.T) {
	t.Parallel()
	for _, extra := range []int{0, 2} {
		t.Run(fmt.Sprintf("extra keys %d", extra), func(t *testing.T) {
			t.Parallel()
			ts := NewTestServer(t, WithAlg("EdDSA"))
			ts.InjectFault(Fault{IDTokenSigning: SigningNoKID})
			ts.InjectFault(Fault{JWKSNoKID: true, JWKSExtraKeys: extra, Times: 10})
			rp := newRP(t, ts)
			_, body := get(t, http.DefaultClient, ts.Issuer+"/jwks")
			var set jose.JSONWebKeySet
			if err := json.Unmarshal([]byte(body), &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1+extra {
				t.Errorf("JWKS has %d keys, want %d", len(set.Keys), 1+extra)
			}
			for i, k := range set.Keys {
				if k.KeyID != "" || strings.Contains(body, `"kid"`) {
					t.Errorf("key %d has kid %q, want none", i, k.KeyID)
				}
			}
			tok, err := exchange(t, rp)
			if err != nil {
				t.Fatal(err)
			}
			raw := tok.Extra("id_token").(string)
			if h, _ := jwtParts(t, raw); h["kid"] != nil {
				t.Errorf("token kid = %v, want none", h["kid"])
			}
			if _, err := rp.verifier.Verify(context.Background(), raw); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestFaultCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		f     Fault
		wants string // substring of the error; "" means valid
	}{
		{"valid", Fault{TokenError: "invalid_grant"}, ""},
		{"valid delay only", Fault{Delay: time.Second}, ""},
		{"empty", Fault{}, "changes nothing"},
		{"unknown signing", Fault{IDTokenSigning: "rot13"}, "id_token_signing"},
		{"negative times", Fault{Times: -1, OmitIDToken: true}, "times"},
		{"negative delay", Fault{Delay: -time.Second, OmitIDToken: true}, "delay"},
		{"status 99", Fault{TokenStatus: 99}, "token_status"},
		{"status 600", Fault{UserinfoStatus: 600}, "userinfo_status"},
		{"par status 99", Fault{PARStatus: 99}, "par_status"},
		{"device status 600", Fault{DeviceStatus: 600}, "device_status"},
		{"valid par scoped by hint", Fault{LoginHint: "bob", PARUnknownRequestURI: true}, ""},
		{"valid device times", Fault{ClientID: "demo", DeviceInterval: time.Second, DeviceExpiresIn: time.Minute}, ""},
		{"negative device_interval", Fault{DeviceInterval: -time.Second}, "device_interval"},
		{"fractional device_expires_in", Fault{DeviceExpiresIn: 1500 * time.Millisecond}, "device_expires_in"},
		{"too many decoys", Fault{JWKSExtraKeys: 99}, "jwks_extra_keys"},
		{"scoped discovery", Fault{ClientID: "demo", DiscoveryStatus: 503}, "cannot be scoped"},
		{"scoped jwks", Fault{LoginHint: "bob", JWKSNoKID: true}, "cannot be scoped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.f.check()
			if tt.wants == "" && err != nil || tt.wants != "" && (err == nil || !strings.Contains(err.Error(), tt.wants)) {
				t.Errorf("check() = %v, want %q", err, tt.wants)
			}
		})
	}
}

func TestClearFaults(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	ts.InjectFault(Fault{TokenError: "invalid_grant", Times: 5})
	ts.ClearFaults()
	if _, err := exchange(t, rp); err != nil {
		var re *oauth2.RetrieveError
		errors.As(err, &re)
		t.Errorf("Exchange after ClearFaults: %v", err)
	}
}
