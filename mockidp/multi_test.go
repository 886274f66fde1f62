package mockidp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMultiTestServer(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			servers := NewMultiTestServer(t, []string{"a", "b"}, WithAlg(alg))
			a, b := servers["a"], servers["b"]
			if a.Server != b.Server || a.Issuer != a.Server.URL+"/a" || b.Issuer != b.Server.URL+"/b" {
				t.Fatalf("issuers %s, %s on %s", a.Issuer, b.Issuer, a.Server.URL)
			}
			if ka, kb := jwksKIDs(t, a), jwksKIDs(t, b); ka[0] == kb[0] {
				t.Errorf("both issuers publish kid %s, want separate keys", ka[0])
			}
			a.QueueLogin("", User{Subject: "only-a"})
			b.InjectFault(Fault{TokenError: "server_error"})
			rpA := newRP(t, a)
			tok, err := exchange(t, rpA)
			if err != nil {
				t.Fatalf("issuer a hit b's fault: %v", err)
			}
			raw := tok.Extra("id_token").(string)
			idt, err := rpA.verifier.Verify(context.Background(), raw)
			if err != nil || idt.Subject != "only-a" {
				t.Fatalf("a: %v, %v", idt, err)
			}
			// b's verifier rejects a's token: another issuer and another key.
			rpB := newRP(t, b)
			if _, err := rpB.verifier.Verify(context.Background(), raw); err == nil {
				t.Error("b verified a's ID token")
			}
			if _, err := exchange(t, rpB); err == nil || !strings.Contains(err.Error(), "server_error") {
				t.Errorf("b: %v, want its own fault", err)
			}
			if n := len(b.Requests("authorize")); n != 1 {
				t.Errorf("b captured %d authorize requests, want 1", n)
			}
		})
	}
}

func TestNewMultiErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		base string
		cfgs map[string]Config
		want string
	}{
		{"none", "http://h", nil, "no issuers"},
		{"bad name", "http://h", map[string]Config{"a/b": {}}, "issuer name"},
		{"empty name", "http://h", map[string]Config{"": {}}, "issuer name"},
		{"bad base", "h:1", map[string]Config{"a": {}}, "base"},
		{"base with path", "http://h/x", map[string]Config{"a": {}}, "base"},
		{"issuer path", "http://h", map[string]Config{"a": {Issuer: "http://h/x/a"}}, "must be /a"},
		{"invalid config", "http://h", map[string]Config{"a": {Alg: "HS256"}, "b": {Login: "x"}}, "Alg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMulti(tt.base, tt.cfgs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewMulti: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMultiRouting(t *testing.T) {
	t.Parallel()
	m, err := NewMulti(IssuerAuto, map[string]Config{"x": {}, "y": {Issuer: "http://fixed.test/y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Names(); len(got) != 2 || got[0] != "x" {
		t.Errorf("Names = %v", got)
	}
	tests := []struct {
		path       string
		wantStatus int
		wantIssuer string
	}{
		{"/x/.well-known/openid-configuration", 200, `"issuer":"http://example.com/x"`},
		{"/y/.well-known/openid-configuration", 200, `"issuer":"http://fixed.test/y"`},
		{"/z/.well-known/openid-configuration", 404, ""},
		{"/", 404, ""},
		{"/x", 404, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantIssuer) {
			t.Errorf("%s: %d %s, want %d with %s", tt.path, rec.Code, rec.Body, tt.wantStatus, tt.wantIssuer)
		}
	}
}
