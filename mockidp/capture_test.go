package mockidp

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestRequestCapture(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	tok, err := exchange(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	hint := tok.Extra("id_token").(string)
	get(t, newBrowser(t), ts.Issuer+"/end_session?"+url.Values{"id_token_hint": {hint}, "state": {"st"}}.Encode())

	tests := []struct {
		endpoint   string
		wantParams map[string]string // name -> value ("" means only present)
		wantAuth   string
		wantClient string
	}{
		{"discovery", nil, "", ""},
		{"authorize", map[string]string{"client_id": "demo", "redirect_uri": testRedirect, "state": "s", "nonce": "n"}, "", "demo"},
		{"token", map[string]string{"code": Redacted, "code_verifier": Redacted, "redirect_uri": testRedirect, "grant_type": "authorization_code"}, "Basic " + Redacted, "demo"},
		{"end_session", map[string]string{"id_token_hint": Redacted, "state": "st"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			reqs := ts.Requests(tt.endpoint)
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1: %+v", len(reqs), reqs)
			}
			c := reqs[0]
			if c.Endpoint != tt.endpoint || c.Status == 0 || c.Time.IsZero() {
				t.Errorf("capture = %+v", c)
			}
			for k, v := range tt.wantParams {
				if !c.Has(k) || c.Params.Get(k) != v {
					t.Errorf("param %s = %q (present %v), want %q", k, c.Params.Get(k), c.Has(k), v)
				}
			}
			if c.Authorization != tt.wantAuth || c.ClientID != tt.wantClient {
				t.Errorf("Authorization, ClientID = %q, %q; want %q, %q", c.Authorization, c.ClientID, tt.wantAuth, tt.wantClient)
			}
		})
	}
	// No secret appears anywhere.
	for _, c := range ts.Requests("") {
		s := strings.Join(slices.Concat(c.Params["code"], c.Params["id_token_hint"], c.Params["code_verifier"]), " ")
		if strings.Contains(s, hint) || strings.Contains(c.Authorization, "ZGVtbz") {
			t.Errorf("secret captured: %+v", c)
		}
	}
	if all := ts.Requests(""); len(all) != 4 || all[0].Endpoint != "discovery" || all[len(all)-1].Endpoint != "end_session" {
		t.Errorf("Requests(\"\") order: %v", endpoints(all))
	}
}

func endpoints(cs []CapturedRequest) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Endpoint)
	}
	return out
}

func TestRequestCaptureLimit(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	for range maxCaptured + 5 {
		get(t, newBrowser(t), ts.Issuer+"/jwks")
	}
	if got := len(ts.Requests("jwks")); got != maxCaptured {
		t.Errorf("kept %d, want %d", got, maxCaptured)
	}
	if got := ts.Requests("token"); len(got) != 0 {
		t.Errorf("token requests = %d, want 0", len(got))
	}
}

func TestQueueLoginHint(t *testing.T) {
	t.Parallel()
	ts := NewTestServer(t)
	rp := newRP(t, ts)
	ts.QueueLogin("demo", User{Subject: "by-client"})
	ts.QueueLoginHint("h1", User{Subject: "by-hint", Claims: map[string]any{"x": "y"}})
	for _, c := range []struct{ hint, want string }{{"h2", "by-client"}, {"h1", "by-hint"}, {"h1", "alice"}} {
		tok, err := exchangeHint(t, rp, c.hint)
		if err != nil {
			t.Fatal(err)
		}
		if _, cl := jwtParts(t, tok.Extra("id_token").(string)); cl["sub"] != c.want {
			t.Errorf("hint %s: sub = %v, want %s", c.hint, cl["sub"], c.want)
		}
	}
}
