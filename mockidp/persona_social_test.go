package mockidp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// social drives one OAuth 2.0 persona in tests.
type social struct {
	t  *testing.T
	ts *TestServer
	c  *http.Client
}

// socialUsers are the users of the OAuth 2.0 persona tests.
var socialUsers = []User{
	{Subject: "alice", Claims: map[string]any{"preferred_username": "alice", "name": "Alice Example",
		"email": "alice@example.com", "email_verified": true}},
	{Subject: "mallory", Claims: map[string]any{"preferred_username": "mallory", "email": "alice@example.com",
		"email_verified": false}},
}

func newSocial(t *testing.T, persona string, users ...User) *social {
	t.Helper()
	if users == nil {
		users = socialUsers
	}
	ts := NewTestServer(t, WithPersona(persona), WithUsers(users...))
	return &social{t: t, ts: ts, c: newBrowser(t)}
}

// url is the persona's URL for path.
func (s *social) url(path string) string { return strings.TrimSuffix(s.ts.Issuer, "/") + path }

// authorize sends the authorization request (client demo, the test
// redirect URI, user as the login hint) and returns the redirect's query.
func (s *social) authorize(path, user string, extra url.Values) url.Values {
	s.t.Helper()
	q := url.Values{"client_id": {"demo"}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"state": {"st-1"}, "login_hint": {user}}
	for k, v := range extra {
		q[k] = v
	}
	// A fresh browser each time: no provider session, so login_hint picks the user.
	return authorizeRedirect(s.t, newBrowser(s.t), s.url(path)+"?"+q.Encode())
}

// code is authorize that fails the test unless it got a code.
func (s *social) code(path, user string, extra url.Values) string {
	s.t.Helper()
	q := s.authorize(path, user, extra)
	if q.Get("error") != "" || q.Get("code") == "" {
		s.t.Fatalf("authorization answered %v, want a code", q)
	}
	if q.Get("state") != "st-1" {
		s.t.Fatalf("state = %q, want st-1", q.Get("state"))
	}
	if q.Has("iss") {
		s.t.Errorf("the authorization response carries iss=%q; the provider sends none", q.Get("iss"))
	}
	return q.Get("code")
}

// do sends a request and returns the response and its body.
func (s *social) do(method, u string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// redeem POSTs the code to the token endpoint with client_secret_post.
func (s *social) redeem(path, code string, extra url.Values, hdr map[string]string) (*http.Response, string) {
	s.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {"demo"}, "client_secret": {"demo-secret"}}
	for k, v := range extra {
		form[k] = v
	}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return s.do(http.MethodPost, s.url(path), strings.NewReader(form.Encode()), h)
}

// api GETs path with the Authorization header auth and decodes a JSON
// object answer (numbers as json.Number).
func (s *social) api(path, auth string) (*http.Response, map[string]any) {
	s.t.Helper()
	hdr := map[string]string{}
	if auth != "" {
		hdr["Authorization"] = auth
	}
	resp, body := s.do(http.MethodGet, s.url(path), nil, hdr)
	return resp, decodeObject(s.t, body)
}

// decodeObject decodes a JSON object, numbers as json.Number; not an
// object gives nil.
func decodeObject(t testing.TB, body string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil
	}
	return m
}

// pkce returns a verifier and its S256 challenge parameters.
func pkce() (string, url.Values) {
	v := oauth2.GenerateVerifier()
	return v, url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(v)}, "code_challenge_method": {"S256"}}
}

// dig follows a path of object keys.
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// TestSocialSignIn runs the whole sign-in at every OAuth 2.0 persona:
// authorization, token (in the provider's shape) and the user endpoint,
// and checks the id and the email come out where the provider puts them.
func TestSocialSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		persona, authorize, token, user string
		scope                           string
		pkce                            bool
		tokenHeader                     map[string]string
		accessToken                     func(t *testing.T, body string) string
		id                              func(m map[string]any) any
		email                           func(m map[string]any) any
		wantEmail                       any
	}{
		{persona: PersonaGitHub, authorize: "/login/oauth/authorize", token: "/login/oauth/access_token", user: "/user",
			scope: "read:user user:email", pkce: true, accessToken: formToken,
			id: func(m map[string]any) any { return m["id"] }, email: func(m map[string]any) any { return m["login"] },
			wantEmail: "alice"},
		{persona: PersonaNaver, authorize: "/oauth2.0/authorize", token: "/oauth2.0/token", user: "/v1/nid/me",
			accessToken: jsonToken, id: func(m map[string]any) any { return dig(m, "response", "id") },
			email: func(m map[string]any) any { return dig(m, "response", "email") }, wantEmail: "alice@example.com"},
		{persona: PersonaKakao, authorize: "/oauth/authorize", token: "/oauth/token", user: "/v2/user/me",
			scope: "profile_nickname account_email", pkce: true, accessToken: jsonToken,
			id:    func(m map[string]any) any { return m["id"] },
			email: func(m map[string]any) any { return dig(m, "kakao_account", "email") }, wantEmail: "alice@example.com"},
		{persona: PersonaDiscord, authorize: "/oauth2/authorize", token: "/api/oauth2/token", user: "/api/v10/users/@me",
			scope: "identify email", accessToken: jsonToken, id: func(m map[string]any) any { return m["id"] },
			email: func(m map[string]any) any { return m["email"] }, wantEmail: "alice@example.com"},
		{persona: PersonaFacebook, authorize: "/v19.0/dialog/oauth", token: "/v19.0/oauth/access_token",
			user: "/v19.0/me?fields=id,name,email", scope: "email", accessToken: jsonToken,
			id:    func(m map[string]any) any { return m["id"] },
			email: func(m map[string]any) any { return m["email"] }, wantEmail: "alice@example.com"},
		{persona: PersonaX, authorize: "/i/oauth2/authorize", token: "/2/oauth2/token", user: "/2/users/me",
			scope: "tweet.read users.read", pkce: true, accessToken: jsonToken,
			id: func(m map[string]any) any { return dig(m, "data", "id") }, email: func(m map[string]any) any { return dig(m, "data", "username") },
			wantEmail: "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.persona, func(t *testing.T) {
			t.Parallel()
			s := newSocial(t, tt.persona)
			extra := url.Values{}
			if tt.scope != "" {
				extra.Set("scope", tt.scope)
			}
			var tokenExtra url.Values
			if tt.pkce {
				v, q := pkce()
				for k, vs := range q {
					extra[k] = vs
				}
				tokenExtra = url.Values{"code_verifier": {v}}
			}
			code := s.code(tt.authorize, "alice", extra)
			resp, body := s.redeem(tt.token, code, tokenExtra, tt.tokenHeader)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("token: %d %s", resp.StatusCode, body)
			}
			at := tt.accessToken(t, body)
			resp, m := s.api(tt.user, "Bearer "+at)
			if resp.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("user endpoint: %d %v", resp.StatusCode, m)
			}
			if id := tt.id(m); id == nil || id == "" {
				t.Errorf("no id in %v", m)
			}
			if got := tt.email(m); got != tt.wantEmail {
				t.Errorf("email/login = %v, want %v", got, tt.wantEmail)
			}
			// The same user signs in again: the id is stable.
			if tt.pkce {
				v, q := pkce()
				extra, tokenExtra = mergeValues(extra, q), url.Values{"code_verifier": {v}}
			}
			code = s.code(tt.authorize, "alice", extra)
			_, body = s.redeem(tt.token, code, tokenExtra, tt.tokenHeader)
			_, m2 := s.api(tt.user, "Bearer "+tt.accessToken(t, body))
			if tt.id(m2) != tt.id(m) {
				t.Errorf("id changed between sign-ins: %v then %v", tt.id(m), tt.id(m2))
			}
			// A token the provider never issued gets no user.
			if resp, _ := s.api(tt.user, "Bearer "+at+"x"); resp.StatusCode < 400 {
				t.Errorf("forged token: status %d, want 4xx", resp.StatusCode)
			}
			// The OpenID Provider's routes are not there (Kakao keeps discovery).
			if tt.persona != PersonaKakao {
				if resp, _ := s.do(http.MethodGet, s.url("/.well-known/openid-configuration"), nil, nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("discovery: status %d, want 404", resp.StatusCode)
				}
			}
			for _, p := range []string{"/authorize", "/token", "/userinfo", "/jwks"} {
				if resp, _ := s.do(http.MethodGet, s.url(p), nil, nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
				}
			}
		})
	}
}

func mergeValues(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// formToken reads access_token from a form-encoded token answer.
func formToken(t *testing.T, body string) string {
	t.Helper()
	v, err := url.ParseQuery(body)
	if err != nil || v.Get("access_token") == "" {
		t.Fatalf("token answer %q is not a form with access_token", body)
	}
	return v.Get("access_token")
}

// jsonToken reads access_token from a JSON token answer.
func jsonToken(t *testing.T, body string) string {
	t.Helper()
	m := decodeObject(t, body)
	at, _ := m["access_token"].(string)
	if at == "" {
		t.Fatalf("token answer %q has no access_token", body)
	}
	return at
}

// TestSocialUserinfoFaults: the Userinfo fault fields reach the user
// endpoints of every OAuth 2.0 persona: a replaced status and body, and
// claim overrides applied to the object that holds the id.
func TestSocialUserinfoFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		persona, authorize, token, user, scope string
		id                                     func(m map[string]any) (any, bool)
	}{
		{PersonaGitHub, "/login/oauth/authorize", "/login/oauth/access_token", "/user", "read:user",
			func(m map[string]any) (any, bool) { v, ok := m["id"]; return v, ok }},
		{PersonaNaver, "/oauth2.0/authorize", "/oauth2.0/token", "/v1/nid/me", "",
			func(m map[string]any) (any, bool) { v, ok := dig(m, "response").(map[string]any)["id"]; return v, ok }},
		{PersonaKakao, "/oauth/authorize", "/oauth/token", "/v2/user/me", "profile_nickname",
			func(m map[string]any) (any, bool) { v, ok := m["id"]; return v, ok }},
		{PersonaDiscord, "/oauth2/authorize", "/api/oauth2/token", "/api/users/@me", "identify",
			func(m map[string]any) (any, bool) { v, ok := m["id"]; return v, ok }},
		{PersonaFacebook, "/dialog/oauth", "/oauth/access_token", "/me", "",
			func(m map[string]any) (any, bool) { v, ok := m["id"]; return v, ok }},
		{PersonaX, "/i/oauth2/authorize", "/2/oauth2/token", "/2/users/me", "tweet.read users.read",
			func(m map[string]any) (any, bool) { v, ok := dig(m, "data").(map[string]any)["id"]; return v, ok }},
	}
	for _, tt := range tests {
		t.Run(tt.persona, func(t *testing.T) {
			t.Parallel()
			s := newSocial(t, tt.persona)
			signIn := func() string {
				extra := url.Values{}
				if tt.scope != "" {
					extra.Set("scope", tt.scope)
				}
				v, q := pkce()
				code := s.code(tt.authorize, "alice", mergeValues(extra, q))
				resp, body := s.redeem(tt.token, code, url.Values{"code_verifier": {v}}, map[string]string{"Accept": "application/json"})
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("token: %d %s", resp.StatusCode, body)
				}
				return jsonToken(t, body)
			}
			at := signIn()
			s.ts.Provider.InjectFault(Fault{UserinfoStatus: http.StatusInternalServerError, UserinfoBody: `{"oops":1}`})
			if resp, _ := s.api(tt.user, "Bearer "+at); resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("500 fault: status %d", resp.StatusCode)
			}
			s.ts.Provider.InjectFault(Fault{UserinfoBody: `<html>not json`})
			if resp, m := s.api(tt.user, "Bearer "+at); resp.StatusCode != http.StatusOK || m != nil {
				t.Errorf("garbage fault: status %d, decoded %v", resp.StatusCode, m)
			}
			s.ts.Provider.InjectFault(Fault{UserinfoClaims: map[string]any{"id": nil}})
			if _, m := s.api(tt.user, "Bearer "+at); m == nil {
				t.Fatal("missing-id fault: no object")
			} else if v, ok := tt.id(m); ok {
				t.Errorf("missing-id fault: id = %v still there", v)
			}
			s.ts.Provider.InjectFault(Fault{UserinfoClaims: map[string]any{"id": 12345}})
			if _, m := s.api(tt.user, "Bearer "+at); m == nil {
				t.Fatal("numeric-id fault: no object")
			} else if v, _ := tt.id(m); v != json.Number("12345") {
				t.Errorf("numeric-id fault: id = %#v, want the number 12345", v)
			}
			if _, m := s.api(tt.user, "Bearer "+at); m == nil {
				t.Fatal("after the faults: no object")
			} else if v, ok := tt.id(m); !ok || v == json.Number("12345") {
				t.Errorf("after the faults: id = %v, want the user's own", v)
			}
		})
	}
}
