package mockidp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

var kakaoUsers = []User{
	{Subject: "minsu", Claims: map[string]any{"nickname": "민수", "email": "minsu@kakao.com", "email_verified": true,
		"picture": "https://k.kakaocdn.example/p.jpg"}},
	{Subject: "unverified", Claims: map[string]any{"nickname": "u", "email": "victim@example.com", "email_verified": false}},
	{Subject: "private", Claims: map[string]any{"nickname": "p", "email": "p@kakao.com", "email_verified": true,
		"denied_scopes": []any{"account_email"}}},
}

func TestKakaoREST(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaKakao, kakaoUsers...)
	signIn := func(user string) (map[string]any, string) {
		t.Helper()
		v, q := pkce()
		code := s.code("/oauth/authorize", user, mergeValues(url.Values{"scope": {"profile_nickname profile_image account_email"}}, q))
		resp, body := s.redeem("/oauth/token", code, url.Values{"code_verifier": {v}}, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token: %d %s", resp.StatusCode, body)
		}
		return decodeObject(t, body), code
	}
	tok, code := signIn("minsu")
	if tok["token_type"] != "bearer" || tok["refresh_token_expires_in"] == nil || tok["id_token"] != nil {
		t.Errorf("token answer %v: want bearer, refresh_token_expires_in, no id_token without openid", tok)
	}
	at := tok["access_token"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp, body := s.do(method, s.url("/v2/user/me"), nil, map[string]string{"Authorization": "Bearer " + at})
		me := decodeObject(t, body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s /v2/user/me: %d %s", method, resp.StatusCode, body)
		}
		if _, isNumber := me["id"].(json.Number); !isNumber {
			t.Errorf("id = %#v, want a JSON number (Long)", me["id"])
		}
		acct := me["kakao_account"].(map[string]any)
		if acct["email"] != "minsu@kakao.com" || acct["is_email_verified"] != true || acct["is_email_valid"] != true ||
			dig(acct, "profile", "nickname") != "민수" || acct["email_needs_agreement"] != false {
			t.Errorf("kakao_account = %v", acct)
		}
		if dig(me, "properties", "nickname") != "민수" {
			t.Errorf("properties = %v", me["properties"])
		}
	}
	tok, _ = signIn("unverified")
	_, me := s.api("/v2/user/me", "Bearer "+tok["access_token"].(string))
	if acct := me["kakao_account"].(map[string]any); acct["is_email_verified"] != false || acct["email"] != "victim@example.com" {
		t.Errorf("unverified: kakao_account = %v, want is_email_verified false", acct)
	}
	tok, _ = signIn("private")
	_, me = s.api("/v2/user/me", "Bearer "+tok["access_token"].(string))
	if acct := me["kakao_account"].(map[string]any); acct["email"] != nil || acct["email_needs_agreement"] != true {
		t.Errorf("email consent skipped: kakao_account = %v, want no email and email_needs_agreement", acct)
	}
	resp, m := s.api("/v2/user/me", "Bearer nope")
	if resp.StatusCode != http.StatusUnauthorized || m["code"] != json.Number("-401") {
		t.Errorf("bad token: %d %v", resp.StatusCode, m)
	}
	resp, body := s.redeem("/oauth/token", code, nil, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusBadRequest || m["error_code"] != "KOE320" || m["error"] != errInvalidGrant {
		t.Errorf("replayed code: %d %s", resp.StatusCode, body)
	}
	resp, body = s.redeem("/oauth/token", "x", url.Values{"client_secret": {"wrong"}}, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusUnauthorized || m["error_code"] != "KOE010" {
		t.Errorf("wrong secret: %d %s", resp.StatusCode, body)
	}
}

// TestKakaoOIDC: with the openid scope Kakao is an OpenID Provider at its
// own paths, and the ID token's sub is the REST API's id.
func TestKakaoOIDC(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaKakao, kakaoUsers...)
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, s.ts.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var doc map[string]any
	if err := prov.Claims(&doc); err != nil {
		t.Fatal(err)
	}
	for k, path := range map[string]string{"authorization_endpoint": "/oauth/authorize", "token_endpoint": "/oauth/token",
		"userinfo_endpoint": "/v1/oidc/userinfo", "jwks_uri": "/.well-known/jwks.json"} {
		if doc[k] != s.url(path) {
			t.Errorf("%s = %v, want %s", k, doc[k], s.url(path))
		}
	}
	if _, has := doc["end_session_endpoint"]; has {
		t.Errorf("discovery advertises end_session_endpoint")
	}
	conf := oauth2.Config{ClientID: "demo", ClientSecret: "demo-secret", Endpoint: prov.Endpoint(), RedirectURL: testRedirect,
		Scopes: []string{"openid", "profile_nickname", "account_email"}}
	verifier := oauth2.GenerateVerifier()
	q := authorizeRedirect(t, newBrowser(t), conf.AuthCodeURL("st", oidc.Nonce("n-1"), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", "minsu")))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&oidc.Config{ClientID: "demo"}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	if claims["nickname"] != "민수" || claims["email"] != "minsu@kakao.com" || claims["nonce"] != "n-1" || claims["sid"] != nil {
		t.Errorf("ID token claims %v", claims)
	}
	_, me := s.api("/v2/user/me", "Bearer "+tok.AccessToken)
	if id := me["id"].(json.Number).String(); idt.Subject != id || strings.Trim(id, "0123456789") != "" {
		t.Errorf("ID token sub %q, /v2/user/me id %s: want the same member number", idt.Subject, id)
	}
	resp, ui := s.api("/v1/oidc/userinfo", "Bearer "+tok.AccessToken)
	if resp.StatusCode != http.StatusOK || ui["sub"] != idt.Subject || ui["email_verified"] != true {
		t.Errorf("/v1/oidc/userinfo: %d %v", resp.StatusCode, ui)
	}
}
