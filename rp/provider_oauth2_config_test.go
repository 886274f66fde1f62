package rp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestOAuth2ConfigValidation(t *testing.T) {
	t.Parallel()
	ok := func(pc ProviderConfig) ProviderConfig { pc.ID, pc.ClientID = "p", "c"; return pc }
	oauth2 := ProviderConfig{Kind: KindOAuth2, AuthorizationURL: "https://id.example/authorize", TokenURL: "https://id.example/token",
		UserInfoURL: "https://api.example/me", ClaimMapping: ClaimMapping{Subject: "id"}}
	tests := []struct {
		name string
		pc   ProviderConfig
		want string // "" = valid
	}{
		{"github preset", ProviderConfig{Kind: KindGitHub}, ""},
		{"github enterprise", ProviderConfig{Kind: KindGitHub, BaseURL: "https://github.example.com", Orgs: []string{"acme"},
			Teams: []string{"acme/core"}}, ""},
		{"kakao OIDC", ProviderConfig{Kind: KindKakao, Scopes: []string{"openid", "account_email"}}, ""},
		{"oauth2", oauth2, ""},
		{"naver trust_email", ProviderConfig{Kind: KindNaver, TrustEmail: true}, ""},
		{"plain http base", ProviderConfig{Kind: KindDiscord, BaseURL: "http://mock:9400"}, "plain http is only allowed on a loopback host"},
		{"plain http base, insecure allowed", ProviderConfig{Kind: KindDiscord, BaseURL: "http://mock:9400", InsecureAllowHTTP: true}, ""},
		{"base URL for OIDC", ProviderConfig{Issuer: "https://idp.example", BaseURL: "https://x.example"}, "base URL is only for"},
		{"oauth2 without endpoints", ProviderConfig{Kind: KindOAuth2, ClaimMapping: ClaimMapping{Subject: "id"}}, "token URL is required"},
		{"oauth2 without sub", func() ProviderConfig { p := oauth2; p.ClaimMapping = ClaimMapping{}; return p }(), "needs sub"},
		{"oauth2 with base URL", func() ProviderConfig { p := oauth2; p.BaseURL = "https://x.example"; return p }(), "not base_url"},
		{"mapping for OIDC", ProviderConfig{Issuer: "https://idp.example", ClaimMapping: ClaimMapping{Subject: "id"}}, "claim mapping is only"},
		{"empty path element", ProviderConfig{Kind: KindGitHub, ClaimMapping: ClaimMapping{Email: "a..b"}}, "empty path element"},
		{"trust_email for github", ProviderConfig{Kind: KindGitHub, TrustEmail: true}, "trust_email is only"},
		{"trust_email for OIDC", ProviderConfig{Issuer: "https://idp.example", TrustEmail: true}, "trust_email is only"},
		{"orgs for discord", ProviderConfig{Kind: KindDiscord, Orgs: []string{"a"}}, "only for kind \"github\""},
		{"bad team", ProviderConfig{Kind: KindGitHub, Teams: []string{"acme"}}, "want org/team-slug"},
		{"disable_pkce for x", ProviderConfig{Kind: KindX, DisablePKCE: true}, "disable_pkce is only"},
		{"skip_userinfo", ProviderConfig{Kind: KindGitHub, SkipUserInfo: true}, "skip_userinfo is impossible"},
		{"unknown kind", ProviderConfig{Issuer: "https://idp.example", Kind: "twitter"}, "want one of"},
		{"graph URL for google", ProviderConfig{Issuer: "https://idp.example", Kind: KindGoogle, GraphURL: "https://graph.microsoft.com"}, "graph URL is only"},
		{"graph URL plain http", ProviderConfig{Issuer: "https://login.example/t/v2.0", Kind: KindEntra, GraphURL: "http://graph.example"}, "plain http"},
	}
	for _, tt := range tests {
		err := ok(tt.pc).validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// TestOAuth2PresetEndpoints: each preset's own endpoints, and BaseURL moving them
// (GitHub Enterprise Server's /api/v3 included).
func TestOAuth2PresetEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pc                        ProviderConfig
		auth, token, user, issuer string
	}{
		{ProviderConfig{Kind: KindGitHub}, "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token",
			"https://api.github.com/user", "https://github.com"},
		{ProviderConfig{Kind: KindGitHub, BaseURL: "https://ghe.example/"}, "https://ghe.example/login/oauth/authorize",
			"https://ghe.example/login/oauth/access_token", "https://ghe.example/api/v3/user", "https://ghe.example"},
		{ProviderConfig{Kind: KindNaver}, "https://nid.naver.com/oauth2.0/authorize", "https://nid.naver.com/oauth2.0/token",
			"https://openapi.naver.com/v1/nid/me", "https://nid.naver.com"},
		{ProviderConfig{Kind: KindKakao}, "https://kauth.kakao.com/oauth/authorize", "https://kauth.kakao.com/oauth/token",
			"https://kapi.kakao.com/v2/user/me", "https://kauth.kakao.com"},
		{ProviderConfig{Kind: KindDiscord}, "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token",
			"https://discord.com/api/v10/users/@me", "https://discord.com"},
		{ProviderConfig{Kind: KindFacebook}, "https://www.facebook.com/v22.0/dialog/oauth",
			"https://graph.facebook.com/v22.0/oauth/access_token", "https://graph.facebook.com/v22.0/me", "https://www.facebook.com"},
		{ProviderConfig{Kind: KindX}, "https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token",
			"https://api.x.com/2/users/me", "https://x.com"},
		{ProviderConfig{Kind: KindX, UserInfoURL: "https://proxy.example/me", Issuer: "https://twitter.com"},
			"https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token", "https://proxy.example/me", "https://twitter.com"},
	}
	for _, tt := range tests {
		p := newOAuth2Profile(tt.pc)
		if p.endpoint.AuthURL != tt.auth || p.endpoint.TokenURL != tt.token || p.userinfoURL != tt.user || p.issuer != tt.issuer {
			t.Errorf("%s %q: %s %s %s %s", tt.pc.Kind, tt.pc.BaseURL, p.endpoint.AuthURL, p.endpoint.TokenURL, p.userinfoURL, p.issuer)
		}
	}
	if newOAuth2Profile(ProviderConfig{Kind: KindKakao, Scopes: []string{"openid"}}) != nil {
		t.Error("kakao with openid: an OAuth 2.0 profile, want OpenID Connect")
	}
	if p := newOAuth2Profile(ProviderConfig{Kind: KindGitHub, Orgs: []string{"a"}}); strings.Join(p.scopes, " ") != "read:user user:email read:org" {
		t.Errorf("github with orgs: scopes %q, want read:org added", p.scopes)
	}
}

// genericProvider is a hand-written OAuth 2.0 provider for kind oauth2: it answers the
// token request with tokenBody (its content type) and the user-info request with
// userBody, so that every shape of answer can be tried.
type genericProvider struct {
	srv                   *httptest.Server
	tokenType, tokenBody  string
	tokenStatus           int
	userBody              string
	userCalls, tokenCalls atomic.Int64
	lastAuth              atomic.Value // the user-info request's Authorization header
}

func newGenericProvider(t *testing.T) *genericProvider {
	g := &genericProvider{tokenType: "application/json", tokenStatus: 200}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"c-1"}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		g.tokenCalls.Add(1)
		w.Header().Set("Content-Type", g.tokenType)
		w.WriteHeader(g.tokenStatus)
		fmt.Fprint(w, g.tokenBody)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		g.userCalls.Add(1)
		g.lastAuth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, g.userBody)
	})
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

// TestOAuth2GenericTokenAnswers: kind oauth2 against a hand-written provider: JSON and
// form-encoded token answers, errors with 200 (GitHub's way) and with 400, and token
// answers without an access token.
func TestOAuth2GenericTokenAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ctype, body string
		status            int
		want              int
	}{
		{"JSON", "application/json", `{"access_token":"at-1","token_type":"bearer","scope":"read"}`, 200, 200},
		{"form", "application/x-www-form-urlencoded", `access_token=at-1&scope=read%2Cuser&token_type=bearer`, 200, 200},
		{"form as text/plain", "text/plain", `access_token=at-1&token_type=bearer`, 200, 200},
		{"200 with a form error", "application/x-www-form-urlencoded", `error=bad_verification_code&error_description=x`, 200, 502},
		{"200 with a JSON error", "application/json", `{"error":"bad_verification_code","error_description":"x"}`, 200, 502},
		{"400 JSON error", "application/json", `{"error":"invalid_grant"}`, 400, 502},
		{"nested error object", "application/json", `{"error":{"message":"x","type":"OAuthException","code":100}}`, 400, 502},
		{"no access token", "application/json", `{"token_type":"bearer"}`, 200, 502},
		{"HTML", "text/html", `<html>oops</html>`, 200, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGenericProvider(t)
			g.tokenType, g.tokenBody, g.tokenStatus = tt.ctype, tt.body, tt.status
			g.userBody = `{"user":{"id":4242,"mail":"u@example.com","mail_ok":true,"display":"U"}}`
			h := newHarness(t, harnessOpt{cfg: func(c *Config) {
				c.Providers = []ProviderConfig{{ID: "gen", Kind: KindOAuth2, ClientID: "c", ClientSecret: "s",
					AuthorizationURL: g.srv.URL + "/authorize", TokenURL: g.srv.URL + "/token", UserInfoURL: g.srv.URL + "/me",
					ClaimMapping: ClaimMapping{Subject: "user.id", Email: "user.mail", EmailVerified: "user.mail_ok", Name: "user.display"}}}
			}})
			c := h.newBrowser()
			resp, body := h.get(c, "/app/")
			if resp.StatusCode != tt.want {
				t.Fatalf("sign-in: %d, want %d: %s", resp.StatusCode, tt.want, truncate(body, 200))
			}
			if tt.want != 200 {
				if g.userCalls.Load() != 0 || h.signedIn(c) {
					t.Errorf("after a failed token request: %d user-info calls, signed in %v", g.userCalls.Load(), h.signedIn(c))
				}
				return
			}
			u := h.userinfo(c)
			if u["sub"] != "4242" || u["email"] != "u@example.com" || u["name"] != "U" || g.lastAuth.Load() != "Bearer at-1" {
				t.Errorf("user %v, user-info Authorization %v", u, g.lastAuth.Load())
			}
		})
	}
}

// TestOAuth2AccessTokenRefresh: an OAuth 2.0 provider's refresh token is redeemed when
// the access token runs out, like an OpenID Provider's (no ID token to check).
func TestOAuth2AccessTokenRefresh(t *testing.T) {
	t.Parallel()
	h := newSocialHarness(t, KindDiscord, nil, nil, func(c *Config) { c.IdleTimeout = 4 * time.Hour })
	c := h.newBrowser()
	h.login(c, KindDiscord, "alice")
	before := h.session(c).Tokens
	if before.RefreshToken == "" || before.Expiry.IsZero() {
		t.Fatalf("tokens %+v: want a refresh token and an expiry", before)
	}
	h.clock.Advance(time.Until(before.Expiry) + time.Minute)
	h.idp.Advance(time.Until(before.Expiry) + time.Minute)
	if resp, _ := h.get(c, "/app/"); resp.StatusCode != 200 {
		t.Fatalf("/app/ after expiry: %d", resp.StatusCode)
	}
	after := h.session(c).Tokens
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken || h.calls.refresh.Load() != 1 ||
		h.calls.exchange.Load() != 1 {
		t.Errorf("no refresh: access token changed %v, refresh token changed %v, %d refreshes %d exchanges",
			after.AccessToken != before.AccessToken, after.RefreshToken != before.RefreshToken, h.calls.refresh.Load(), h.calls.exchange.Load())
	}
}

// TestBackchannelLogoutIgnoresOAuth2: a logout token without iss finds no OAuth 2.0
// provider to check it with (they have no keys): refused, never a crash.
func TestBackchannelLogoutIgnoresOAuth2(t *testing.T) {
	t.Parallel()
	h := newSocialHarness(t, KindGitHub, nil, nil, nil)
	for _, claims := range []map[string]any{
		{"sub": "x", "events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}},
		{"iss": "", "sub": "x", "events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}},
		{"iss": h.idp.Issuer, "sub": "x"},
	} {
		tok, err := h.idp.Provider.Mint(claims)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := h.client.PostForm(h.srv.URL+"/auth/backchannel-logout", url.Values{"logout_token": {tok}})
		if err != nil {
			t.Fatalf("%v: %v", claims, err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%v: %d %v, want 400", claims, resp.StatusCode, body)
		}
	}
}

func TestOAuth2DisplayNames(t *testing.T) {
	t.Parallel()
	for kind, want := range map[string]string{KindGitHub: "GitHub", KindNaver: "Naver", KindKakao: "Kakao", KindDiscord: "Discord",
		KindFacebook: "Facebook", KindX: "X", KindOAuth2: "default", "": "default"} {
		if got := (&provider{cfg: ProviderConfig{ID: "default", Kind: kind}}).displayName(); got != want {
			t.Errorf("%q: %q, want %q", kind, got, want)
		}
	}
	if got := (&provider{cfg: ProviderConfig{ID: "gh", Name: "Our GitHub", Kind: KindGitHub}}).displayName(); got != "Our GitHub" {
		t.Errorf("configured name: %q", got)
	}
}
