package mockidp

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestNaver(t *testing.T) {
	t.Parallel()
	users := []User{
		{Subject: "jimin", Claims: map[string]any{"name": "박지민", "nickname": "jm", "email": "jimin@naver.com",
			"picture": "https://phinf.example/p.png"}},
		{Subject: "shy", Claims: map[string]any{"name": "Shy", "email": "shy@naver.com", "denied_scopes": []any{"email"}}},
	}
	s := newSocial(t, PersonaNaver, users...)
	// Naver has no scope parameter: whatever is sent, the consent items are granted.
	code := s.code("/oauth2.0/authorize", "jimin", url.Values{"scope": {"anything"}})
	// The token endpoint takes GET with the parameters in the query.
	q := url.Values{"grant_type": {"authorization_code"}, "client_id": {"demo"}, "client_secret": {"demo-secret"},
		"code": {code}, "state": {"st-1"}, "redirect_uri": {testRedirect}}
	resp, body := s.do(http.MethodGet, s.url("/oauth2.0/token?"+q.Encode()), nil, nil)
	m := decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || m["token_type"] != "bearer" || m["expires_in"] != "3600" || m["refresh_token"] == nil {
		t.Fatalf("token: %d %s; want bearer, expires_in the string \"3600\", a refresh token", resp.StatusCode, body)
	}
	at := m["access_token"].(string)

	resp, me := s.api("/v1/nid/me", "Bearer "+at)
	if resp.StatusCode != http.StatusOK || me["resultcode"] != "00" || me["message"] != "success" {
		t.Fatalf("/v1/nid/me: %d %v", resp.StatusCode, me)
	}
	r := me["response"].(map[string]any)
	if id, ok := r["id"].(string); !ok || id == "" {
		t.Errorf("response.id = %#v, want a string", r["id"])
	}
	if r["email"] != "jimin@naver.com" || r["nickname"] != "jm" || r["name"] != "박지민" || r["profile_image"] != "https://phinf.example/p.png" {
		t.Errorf("response = %v", r)
	}
	for auth, want := range map[string]string{"": "028", "Bearer nope": "024"} {
		resp, m := s.api("/v1/nid/me", auth)
		if resp.StatusCode != http.StatusUnauthorized || m["resultcode"] != want {
			t.Errorf("Authorization %q: %d %v, want 401 resultcode %s", auth, resp.StatusCode, m, want)
		}
	}
	// The replayed code: HTTP 200 with error members, no token.
	resp, body = s.do(http.MethodGet, s.url("/oauth2.0/token?"+q.Encode()), nil, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusOK || m["error"] != "invalid_request" || m["access_token"] != nil {
		t.Errorf("replayed code: %d %s", resp.StatusCode, body)
	}
	// A user who skipped the email consent item: no email.
	code = s.code("/oauth2.0/authorize", "shy", nil)
	_, body = s.redeem("/oauth2.0/token", code, nil, nil)
	_, me = s.api("/v1/nid/me", "Bearer "+jsonToken(t, body))
	if r := me["response"].(map[string]any); r["email"] != nil || r["name"] != "Shy" {
		t.Errorf("email skipped: response %v, want a name and no email", r)
	}
	// PKCE is not Naver's: a challenge and any verifier are ignored.
	code = s.code("/oauth2.0/authorize", "jimin", url.Values{"code_challenge": {strings.Repeat("x", 43)}, "code_challenge_method": {"S256"}})
	if resp, body := s.redeem("/oauth2.0/token", code, url.Values{"code_verifier": {strings.Repeat("y", 43)}}, nil); decodeObject(t, body)["access_token"] == nil {
		t.Errorf("ignored PKCE: %d %s", resp.StatusCode, body)
	}
}

func TestDiscord(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaDiscord)
	// Discord needs a scope.
	if q := s.authorize("/oauth2/authorize", "alice", nil); q.Get("error") != errInvalidRequest {
		t.Errorf("no scope: %v, want invalid_request", q)
	}
	// HTTP Basic client authentication.
	code := s.code("/oauth2/authorize", "alice", url.Values{"scope": {"identify email"}})
	resp, body := postForm(t, http.DefaultClient, s.url("/api/oauth2/token"),
		url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}, "demo", "demo-secret")
	m := decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || m["token_type"] != "Bearer" || m["scope"] != "email identify" || m["refresh_token"] == nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	_, me := s.api("/api/users/@me", "Bearer "+m["access_token"].(string))
	id, ok := me["id"].(string)
	n, isInt := new(big.Int).SetString(id, 10)
	if !ok || !isInt || n.Cmp(big.NewInt(1<<53)) <= 0 {
		t.Errorf("id = %#v, want a snowflake string beyond 2^53", me["id"])
	}
	if me["email"] != "alice@example.com" || me["verified"] != true || me["global_name"] != "Alice Example" || me["username"] != "alice" {
		t.Errorf("/users/@me = %v", me)
	}
	// identify alone: no email members; an unverified address says so.
	code = s.code("/oauth2/authorize", "mallory", url.Values{"scope": {"identify"}})
	_, body = s.redeem("/api/oauth2/token", code, nil, nil)
	_, me = s.api("/api/users/@me", "Bearer "+jsonToken(t, body))
	if _, has := me["email"]; has || me["verified"] != nil {
		t.Errorf("identify only: %v has email members", me)
	}
	code = s.code("/oauth2/authorize", "mallory", url.Values{"scope": {"identify email"}})
	_, body = s.redeem("/api/oauth2/token", code, nil, nil)
	if _, me = s.api("/api/users/@me", "Bearer "+jsonToken(t, body)); me["verified"] != false || me["email"] != "alice@example.com" {
		t.Errorf("unverified email: %v, want verified false", me)
	}
	if resp, m := s.api("/api/users/@me", "Bearer nope"); resp.StatusCode != http.StatusUnauthorized || m["message"] != "401: Unauthorized" {
		t.Errorf("bad token: %d %v", resp.StatusCode, m)
	}
	resp, body = s.redeem("/api/oauth2/token", code, nil, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusBadRequest || m["error"] != errInvalidGrant {
		t.Errorf("replayed code: %d %s", resp.StatusCode, body)
	}
}

func TestFacebook(t *testing.T) {
	t.Parallel()
	users := []User{{Subject: "zuck", Claims: map[string]any{"name": "Mark", "given_name": "Mark", "email": "mark@example.com",
		"picture": "https://scontent.example/p.jpg"}}}
	s := newSocial(t, PersonaFacebook, users...)
	code := s.code("/v19.0/dialog/oauth", "zuck", url.Values{"scope": {"email,public_profile"}})
	q := url.Values{"client_id": {"demo"}, "client_secret": {"demo-secret"}, "code": {code}, "redirect_uri": {testRedirect},
		"grant_type": {"authorization_code"}}
	resp, body := s.do(http.MethodGet, s.url("/v19.0/oauth/access_token?"+q.Encode()), nil, nil)
	m := decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || m["token_type"] != "bearer" || m["refresh_token"] != nil || m["expires_in"] == nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	at := m["access_token"].(string)
	_, me := s.api("/me", "Bearer "+at)
	if _, has := me["email"]; len(me) != 2 || me["name"] != "Mark" || has {
		t.Errorf("/me default fields = %v, want id and name only", me)
	}
	if id, _ := me["id"].(string); !regexp.MustCompile(`^[0-9]{16,17}$`).MatchString(id) {
		t.Errorf("id = %#v, want an app-scoped numeric string", me["id"])
	}
	resp, body = s.do(http.MethodGet, s.url("/v19.0/me?fields=id,name,email,first_name,picture&access_token="+url.QueryEscape(at)), nil, nil)
	me = decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || me["email"] != "mark@example.com" || me["first_name"] != "Mark" ||
		dig(me, "picture", "data", "url") != "https://scontent.example/p.jpg" {
		t.Errorf("/me with fields: %d %v", resp.StatusCode, me)
	}
	resp, me = s.api("/me?fields=id,secret_field", "Bearer "+at)
	if resp.StatusCode != http.StatusBadRequest || dig(me, "error", "code") != json.Number("100") {
		t.Errorf("unknown field: %d %v", resp.StatusCode, me)
	}
	resp, me = s.api("/me", "Bearer nope")
	if resp.StatusCode != http.StatusBadRequest || dig(me, "error", "code") != json.Number("190") || dig(me, "error", "type") != "OAuthException" {
		t.Errorf("bad token: %d %v", resp.StatusCode, me)
	}
	resp, body = s.do(http.MethodGet, s.url("/v19.0/oauth/access_token?"+q.Encode()), nil, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusBadRequest || dig(m, "error", "type") != "OAuthException" {
		t.Errorf("replayed code: %d %s, want the Graph error object", resp.StatusCode, body)
	}
	// Without the email permission the Graph API leaves email out.
	code = s.code("/dialog/oauth", "zuck", nil)
	_, body = s.redeem("/oauth/access_token", code, nil, nil)
	if _, me = s.api("/me?fields=id,email", "Bearer "+jsonToken(t, body)); me["email"] != nil || me["id"] == nil {
		t.Errorf("public_profile only: %v, want an id and no email", me)
	}
}

func TestX(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaX)
	// PKCE is required, S256 or plain.
	if q := s.authorize("/i/oauth2/authorize", "alice", url.Values{"scope": {"tweet.read users.read"}}); q.Get("error") != errInvalidRequest {
		t.Errorf("no PKCE: %v, want invalid_request", q)
	}
	plain := strings.Repeat("p", 43)
	code := s.code("/i/oauth2/authorize", "alice", url.Values{"scope": {"tweet.read users.read"},
		"code_challenge": {plain}, "code_challenge_method": {"plain"}})
	resp, body := postForm(t, http.DefaultClient, s.url("/2/oauth2/token"), url.Values{"grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {plain}}, "demo", "demo-secret")
	m := decodeObject(t, body)
	if resp.StatusCode != http.StatusOK || m["refresh_token"] != nil || m["scope"] != "tweet.read users.read" {
		t.Fatalf("token: %d %s; want no refresh token without offline.access", resp.StatusCode, body)
	}
	resp, me := s.api("/2/users/me", "Bearer "+m["access_token"].(string))
	data, _ := me["data"].(map[string]any)
	if resp.StatusCode != http.StatusOK || data["username"] != "alice" || data["name"] != "Alice Example" {
		t.Fatalf("/2/users/me: %d %v", resp.StatusCode, me)
	}
	if _, has := data["email"]; has {
		t.Errorf("data %v carries an email", data)
	}
	if id, _ := data["id"].(string); !regexp.MustCompile(`^[0-9]{19}$`).MatchString(id) {
		t.Errorf("id = %#v, want a 19-digit string", data["id"])
	}
	// offline.access brings a refresh token; users.read without tweet.read is refused at /2/users/me.
	v, q := pkce()
	code = s.code("/i/oauth2/authorize", "alice", mergeValues(url.Values{"scope": {"users.read offline.access"}}, q))
	_, body = s.redeem("/2/oauth2/token", code, url.Values{"code_verifier": {v}}, nil)
	m = decodeObject(t, body)
	if m["refresh_token"] == nil {
		t.Errorf("offline.access: %s, want a refresh token", body)
	}
	if resp, p := s.api("/2/users/me", "Bearer "+m["access_token"].(string)); resp.StatusCode != http.StatusForbidden || p["title"] != "Forbidden" {
		t.Errorf("no tweet.read: %d %v", resp.StatusCode, p)
	}
	resp, p := s.api("/2/users/me", "Bearer nope")
	if resp.StatusCode != http.StatusUnauthorized || p["title"] != "Unauthorized" || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("bad token: %d %v", resp.StatusCode, p)
	}
	resp, body = s.redeem("/2/oauth2/token", code, url.Values{"code_verifier": {v}}, nil)
	if m := decodeObject(t, body); resp.StatusCode != http.StatusBadRequest || m["error"] != errInvalidGrant {
		t.Errorf("replayed code: %d %s", resp.StatusCode, body)
	}
}
