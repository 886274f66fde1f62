package rp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// TestOAuth2IdentityFromOwnCall: the identity comes only from the user-info call rp
// makes with the token it has just redeemed. An attacker holding another user's access
// token for the same provider (any app of theirs gets one) who puts it in the callback,
// beside their own code in either order, signs in as themselves; sent as a bearer
// token it signs in nobody.
func TestOAuth2IdentityFromOwnCall(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{KindGitHub, KindDiscord, KindNaver, KindX} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, kind, nil, nil, nil)
			victim := h.newBrowser()
			h.login(victim, kind, "alice")
			aliceSub := h.userinfo(victim)["sub"]
			stolen := h.session(victim).Tokens.AccessToken
			if stolen == "" || aliceSub == nil {
				t.Fatal("the victim has no session")
			}
			forged := url.Values{"access_token": {stolen}, "token_type": {"bearer"}, "id": {fmtJSON(aliceSub)}}.Encode()
			for _, before := range []bool{true, false} {
				attacker := h.newBrowser()
				cb := h.callbackAs(t, attacker, kind, "mallory")
				u, _ := url.Parse(cb)
				if before {
					u.RawQuery = forged + "&" + u.RawQuery
				} else {
					u.RawQuery += "&" + forged
				}
				resp, body := h.get(attacker, u.String())
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("callback: %d %s", resp.StatusCode, truncate(body, 200))
				}
				got := h.userinfo(attacker)
				if got["sub"] == aliceSub || got["preferred_username"] == "alice" {
					t.Errorf("forged params first=%v: signed in as alice (%v)", before, got["sub"])
				}
				if h.session(attacker).Tokens.AccessToken == stolen {
					t.Errorf("forged params first=%v: the session took the token from the callback", before)
				}
			}
			fresh := h.newBrowser()
			resp, _ := h.get(fresh, "/auth/verify", "Authorization", "Bearer "+stolen, "Accept", "application/json")
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get(HeaderUser) != "" {
				t.Errorf("/auth/verify with the stolen token as bearer: %d user %q; want 401, no identity", resp.StatusCode, resp.Header.Get(HeaderUser))
			}
			if resp, _ := h.get(fresh, "/auth/userinfo", "Authorization", "Bearer "+stolen); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("/auth/userinfo with the stolen token as bearer: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// callbackAs starts a sign-in of user with provider in c and returns the callback URL
// the provider redirects to, without following it.
func (h *harness) callbackAs(t *testing.T, c *http.Client, provider, user string) string {
	t.Helper()
	q := url.Values{"provider": {provider}, "login_hint": {user}, "rd": {"/app/"}}
	next := h.srv.URL + "/auth/login?" + q.Encode()
	nf := noFollow(c)
	for !strings.HasPrefix(next, h.srv.URL+"/auth/callback") {
		resp, err := nf.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("%s: %d, no redirect", next, resp.StatusCode)
		}
		next = loc.String()
	}
	return next
}

// TestOAuth2Faults: every failure of the provider ends the sign-in on an error page
// (502 for a bad answer), with no session.
func TestOAuth2Faults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		kind  string
		fault mockidp.Fault
		want  int
	}{
		{"user-info 401", KindGitHub, mockidp.Fault{UserinfoStatus: 401, UserinfoBody: `{"message":"Bad credentials"}`}, 502},
		{"user-info 500", KindDiscord, mockidp.Fault{UserinfoStatus: 500, UserinfoBody: `{}`}, 502},
		{"user-info garbage", KindKakao, mockidp.Fault{UserinfoBody: `<html>hello`}, 502},
		{"user-info list", KindX, mockidp.Fault{UserinfoBody: `[{"id":"1"}]`}, 502},
		{"user-info two objects", KindX, mockidp.Fault{UserinfoBody: `{"data":{"id":"1"}}{"data":{"id":"2"}}`}, 502},
		{"naver resultcode", KindNaver, mockidp.Fault{UserinfoBody: `{"resultcode":"024","message":"Authentication failed","response":{"id":"1"}}`}, 502},
		{"github 200 with error", KindGitHub, mockidp.Fault{TokenError: "bad_verification_code"}, 502},
		{"github incorrect_client_credentials", KindGitHub, mockidp.Fault{TokenError: "incorrect_client_credentials"}, 502},
		{"kakao KOE320", KindKakao, mockidp.Fault{TokenError: "invalid_grant"}, 502},
		{"facebook Graph error object", KindFacebook, mockidp.Fault{TokenError: "invalid_grant"}, 502},
		{"x token 500", KindX, mockidp.Fault{TokenStatus: 500}, 502},
		{"token answer without access_token", KindDiscord, mockidp.Fault{TokenBody: `{"token_type":"Bearer"}`}, 502},
		{"authorization denied", KindNaver, mockidp.Fault{AuthError: "access_denied"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, tt.kind, nil, func(pc *ProviderConfig) { pc.TrustEmail = tt.kind == KindNaver }, nil)
			h.idp.Provider.InjectFault(tt.fault)
			c := h.newBrowser()
			resp, body := h.login(c, tt.kind, "alice")
			if resp.StatusCode != tt.want {
				t.Errorf("sign-in: %d, want %d: %s", resp.StatusCode, tt.want, truncate(body, 200))
			}
			if h.signedIn(c) {
				t.Error("a session was created")
			}
		})
	}
}

// TestGitHubOrgsAndTeams: with organisations or teams to allow, GitHub sign-in needs
// the read:org grant and a membership; memberships become groups.
func TestGitHubOrgsAndTeams(t *testing.T) {
	t.Parallel()
	users := append(socialUsers(), mockidp.User{Subject: "stingy", Claims: map[string]any{"preferred_username": "stingy",
		"orgs": []any{"acme"}, "denied_scopes": []any{"read:org"}}})
	tests := []struct {
		name       string
		orgs       []string
		teams      []string
		user       string
		want       int
		wantGroups []string
		page       string
	}{
		{"member of an allowed org", []string{"ACME"}, nil, "alice", 200, []string{"acme", "other", "acme/core"}, ""},
		{"member of an allowed team", nil, []string{"acme/core"}, "alice", 200, []string{"acme", "other", "acme/core"}, ""},
		{"not a member", []string{"acme"}, []string{"acme/core"}, "mallory", 403, nil, "not a member of an organisation or team"},
		{"read:org not granted", []string{"acme"}, nil, "stingy", 403, nil, "read:org"},
		{"team of another org", nil, []string{"other/core"}, "alice", 403, nil, "not a member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newSocialHarness(t, KindGitHub, users, func(pc *ProviderConfig) { pc.Orgs, pc.Teams = tt.orgs, tt.teams }, nil)
			c := h.newBrowser()
			resp, body := h.login(c, KindGitHub, tt.user)
			if resp.StatusCode != tt.want || !strings.Contains(body, tt.page) {
				t.Fatalf("sign-in: %d %s; want %d with %q", resp.StatusCode, truncate(body, 300), tt.want, tt.page)
			}
			if tt.want != 200 {
				if h.signedIn(c) {
					t.Error("a session was created")
				}
				return
			}
			if got := h.userinfo(c)["groups"]; fmtJSON(got) != fmtJSON(tt.wantGroups) {
				t.Errorf("groups = %v, want %v", got, tt.wantGroups)
			}
			if auth := h.requests("authorize", ""); len(auth) != 1 || !strings.Contains(auth[0].Params.Get("scope"), "read:org") {
				t.Errorf("the authorization request did not ask for read:org: %v", auth)
			}
		})
	}
}

// TestRuleClaimsEmailRefused: a claims rule on "email" would match the raw claim,
// verified or not (an Entra address is never verified); such a rule is refused, and
// the email rules that check verification are named instead.
func TestRuleClaimsEmailRefused(t *testing.T) {
	t.Parallel()
	_, err := compileRule(Rule{Claims: map[string][]string{"email": {"ceo@example.com"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "emails or email_domains") {
		t.Errorf("claims rule on email: %v, want refused", err)
	}
	if _, err := compileRule(Rule{Claims: map[string][]string{"hd": {"example.com"}}}, nil); err != nil {
		t.Errorf("claims rule on hd: %v", err)
	}
}
