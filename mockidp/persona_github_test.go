package mockidp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	ghAuthorize = "/login/oauth/authorize"
	ghToken     = "/login/oauth/access_token"
)

// ghUsers carry GitHub's extras: emails, organisations and teams.
func ghUsers() []User {
	var orgs []any
	for i := range 35 {
		orgs = append(orgs, fmt.Sprintf("org%02d", i))
	}
	return []User{
		{Subject: "octo", Claims: map[string]any{"preferred_username": "octocat", "email": "octo@example.com",
			"email_verified": true, "public_email": "octo@example.com", "orgs": orgs,
			"teams":  []any{"org01/core", "org02/docs"},
			"emails": []any{map[string]any{"email": "old@example.com", "primary": false, "verified": false, "visibility": nil}}}},
		{Subject: "nameless", Claims: map[string]any{"email": "n@example.com", "email_verified": false}},
		{Subject: "stingy", Claims: map[string]any{"orgs": []any{"org01"}, "denied_scopes": []any{"read:org"}}},
	}
}

// ghSignIn signs user in with scope and returns the access token (JSON answer).
func ghSignIn(t *testing.T, s *social, user, scope string) string {
	t.Helper()
	code := s.code(ghAuthorize, user, url.Values{"scope": {scope}})
	resp, body := s.redeem(ghToken, code, nil, map[string]string{"Accept": "application/json"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	return jsonToken(t, body)
}

func TestGitHubTokenAnswers(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaGitHub, ghUsers()...)
	v, q := pkce()
	code := s.code(ghAuthorize, "octo", mergeValues(url.Values{"scope": {"user:email,read:org read:user"}}, q))

	// Without Accept: application/json, the answer is form-encoded.
	resp, body := s.redeem(ghToken, code, url.Values{"code_verifier": {v}}, nil)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Fatalf("token: %d %q %s", resp.StatusCode, ct, body)
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("access_token") == "" || form.Get("token_type") != "bearer" || form.Get("scope") != "read:org,read:user,user:email" {
		t.Errorf("form answer %v: want access_token, token_type bearer, scope read:org,read:user,user:email", form)
	}
	if form.Has("refresh_token") || form.Has("expires_in") {
		t.Errorf("form answer %v: an OAuth app token has no refresh token and no expiry", form)
	}

	// Errors come with HTTP 200, in the asked format.
	errorTests := []struct {
		name     string
		code     func() string
		extra    url.Values
		accept   string
		wantCode string
	}{
		{"replayed code, form", func() string { return code }, url.Values{"code_verifier": {v}}, "", "bad_verification_code"},
		{"replayed code, JSON", func() string { return code }, url.Values{"code_verifier": {v}}, "application/json", "bad_verification_code"},
		{"unknown code", func() string { return "nope" }, nil, "application/json", "bad_verification_code"},
		{"wrong secret", func() string { return s.code(ghAuthorize, "octo", nil) }, url.Values{"client_secret": {"wrong"}},
			"application/json", "incorrect_client_credentials"},
		{"other redirect_uri", func() string { return s.code(ghAuthorize, "octo", nil) },
			url.Values{"redirect_uri": {"http://127.0.0.1:5555/other"}}, "", "redirect_uri_mismatch"},
		{"wrong PKCE verifier", func() string {
			_, q := pkce()
			return s.code(ghAuthorize, "octo", q)
		}, url.Values{"code_verifier": {strings.Repeat("a", 43)}}, "application/json", "bad_verification_code"},
	}
	for _, tt := range errorTests {
		resp, body := s.redeem(ghToken, tt.code(), tt.extra, map[string]string{"Accept": tt.accept})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d, want 200 (GitHub reports token errors with 200)", tt.name, resp.StatusCode)
		}
		got := ""
		if tt.accept == "" {
			f, _ := url.ParseQuery(body)
			got = f.Get("error")
			if f.Get("error_uri") == "" || f.Has("access_token") {
				t.Errorf("%s: form error %v", tt.name, f)
			}
		} else {
			m := decodeObject(t, body)
			got, _ = m["error"].(string)
			if m["error_description"] == nil {
				t.Errorf("%s: JSON error %v lacks error_description", tt.name, m)
			}
		}
		if got != tt.wantCode {
			t.Errorf("%s: error = %q, want %q (body %s)", tt.name, got, tt.wantCode, body)
		}
	}

	// A token fault's error comes in GitHub's shape too.
	s.ts.Provider.InjectFault(Fault{TokenError: "bad_verification_code"})
	resp, body = s.redeem(ghToken, s.code(ghAuthorize, "octo", nil), nil, nil)
	if f, _ := url.ParseQuery(body); resp.StatusCode != http.StatusOK || f.Get("error") != "bad_verification_code" {
		t.Errorf("fault: %d %s", resp.StatusCode, body)
	}
}

func TestGitHubAuthorizeRules(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaGitHub, ghUsers()...)
	tests := []struct {
		name  string
		extra url.Values
		want  string // error, "" = a code
	}{
		{"no scope", nil, ""},
		{"comma-separated scopes", url.Values{"scope": {"read:user,user:email"}}, ""},
		{"S256", url.Values{"code_challenge": {strings.Repeat("c", 43)}, "code_challenge_method": {"S256"}}, ""},
		{"plain PKCE is refused", url.Values{"code_challenge": {strings.Repeat("c", 43)}, "code_challenge_method": {"plain"}}, errInvalidRequest},
		{"no method means plain", url.Values{"code_challenge": {strings.Repeat("c", 43)}}, errInvalidRequest},
		{"implicit grant", url.Values{"response_type": {"token"}}, errUnsupportedResponseType},
		{"unknown scope", url.Values{"scope": {"openid"}}, errInvalidScope},
	}
	for _, tt := range tests {
		q := s.authorize(ghAuthorize, "octo", tt.extra)
		if got := q.Get("error"); got != tt.want || (tt.want == "" && q.Get("code") == "") {
			t.Errorf("%s: answered %v, want error %q", tt.name, q, tt.want)
		}
	}
	// No scope: a token with an empty scope that still reads /user.
	code := s.code(ghAuthorize, "octo", nil)
	_, body := s.redeem(ghToken, code, nil, map[string]string{"Accept": "application/json"})
	m := decodeObject(t, body)
	if m["scope"] != "" {
		t.Errorf("scope = %q, want empty", m["scope"])
	}
	if resp, _ := s.api("/user", "token "+m["access_token"].(string)); resp.StatusCode != http.StatusOK {
		t.Errorf("/user with a no-scope token: %d", resp.StatusCode)
	}
}

func TestGitHubUser(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaGitHub, ghUsers()...)
	at := ghSignIn(t, s, "octo", "read:user")
	for _, path := range []string{"/user", "/api/v3/user"} {
		for _, auth := range []string{"Bearer " + at, "token " + at} {
			resp, m := s.api(path, auth)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s with %q: %d", path, auth[:6], resp.StatusCode)
			}
			if _, isNumber := m["id"].(json.Number); !isNumber {
				t.Errorf("id = %#v, want a JSON number", m["id"])
			}
			if m["login"] != "octocat" || m["email"] != "octo@example.com" || m["name"] != nil {
				t.Errorf("user %v: want login octocat, public email, null name", m)
			}
			if got := resp.Header.Get("X-OAuth-Scopes"); got != "read:user" {
				t.Errorf("X-OAuth-Scopes = %q, want read:user", got)
			}
		}
	}
	at2 := ghSignIn(t, s, "nameless", "read:user")
	if _, m := s.api("/user", "Bearer "+at2); m["login"] != "nameless" || m["email"] != nil {
		t.Errorf("user without public email: %v, want login nameless and email null", m)
	}
	for _, auth := range []string{"", "Bearer nope", "Basic " + at, "Bearer"} {
		resp, m := s.api("/user", auth)
		if resp.StatusCode != http.StatusUnauthorized || m["message"] != "Bad credentials" {
			t.Errorf("Authorization %q: %d %v, want 401 Bad credentials", auth, resp.StatusCode, m)
		}
	}
}

func TestGitHubEmailsOrgsTeams(t *testing.T) {
	t.Parallel()
	s := newSocial(t, PersonaGitHub, ghUsers()...)
	full := ghSignIn(t, s, "octo", "read:user user:email read:org")
	bare := ghSignIn(t, s, "octo", "read:user")

	resp, body := s.do(http.MethodGet, s.url("/user/emails"), nil, map[string]string{"Authorization": "Bearer " + full})
	var emails []map[string]any
	if err := json.Unmarshal([]byte(body), &emails); resp.StatusCode != http.StatusOK || err != nil || len(emails) != 2 {
		t.Fatalf("/user/emails: %d %v %s", resp.StatusCode, err, body)
	}
	if emails[0]["email"] != "octo@example.com" || emails[0]["primary"] != true || emails[0]["verified"] != true ||
		emails[0]["visibility"] != "public" {
		t.Errorf("primary entry %v", emails[0])
	}
	if emails[1]["verified"] != false || emails[1]["primary"] != false {
		t.Errorf("second entry %v", emails[1])
	}
	for path, want := range map[string]int{"/user/emails": 404, "/user/orgs": 403, "/user/teams": 403} {
		if resp, _ := s.do(http.MethodGet, s.url(path), nil, map[string]string{"Authorization": "Bearer " + bare}); resp.StatusCode != want {
			t.Errorf("%s without its scope: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// 35 organisations: page 1 has 30 and a Link to page 2, which has 5.
	resp, body = s.do(http.MethodGet, s.url("/api/v3/user/orgs"), nil, map[string]string{"Authorization": "Bearer " + full})
	var orgs []map[string]any
	if err := json.Unmarshal([]byte(body), &orgs); err != nil || len(orgs) != 30 || orgs[0]["login"] != "org00" {
		t.Fatalf("/user/orgs page 1: %v %d entries", err, len(orgs))
	}
	link := resp.Header.Get("Link")
	next := between(link, "<", `>; rel="next"`)
	if next == "" || !strings.Contains(link, `rel="last"`) {
		t.Fatalf("Link = %q, want next and last", link)
	}
	resp, body = s.do(http.MethodGet, next, nil, map[string]string{"Authorization": "Bearer " + full})
	if err := json.Unmarshal([]byte(body), &orgs); err != nil || len(orgs) != 5 || orgs[4]["login"] != "org34" {
		t.Fatalf("/user/orgs page 2 (%s): %v %s", next, err, body)
	}
	if l := resp.Header.Get("Link"); strings.Contains(l, `rel="next"`) {
		t.Errorf("last page Link = %q has a next", l)
	}
	_, body = s.do(http.MethodGet, s.url("/user/orgs?per_page=100"), nil, map[string]string{"Authorization": "Bearer " + full})
	if err := json.Unmarshal([]byte(body), &orgs); err != nil || len(orgs) != 35 {
		t.Errorf("per_page=100: %d entries, want 35", len(orgs))
	}

	_, body = s.do(http.MethodGet, s.url("/user/teams"), nil, map[string]string{"Authorization": "Bearer " + full})
	var teams []map[string]any
	if err := json.Unmarshal([]byte(body), &teams); err != nil || len(teams) != 2 {
		t.Fatalf("/user/teams: %v %s", err, body)
	}
	if teams[0]["slug"] != "core" || dig(teams[0], "organization", "login") != "org01" {
		t.Errorf("team %v: want slug core in org01", teams[0])
	}

	// A user who did not grant read:org gets a token without it.
	code := s.code(ghAuthorize, "stingy", url.Values{"scope": {"read:user read:org"}})
	_, body = s.redeem(ghToken, code, nil, map[string]string{"Accept": "application/json"})
	m := decodeObject(t, body)
	if m["scope"] != "read:user" {
		t.Errorf("granted scope = %q, want read:user (read:org denied)", m["scope"])
	}
	if resp, _ := s.api("/user/orgs", "Bearer "+m["access_token"].(string)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("/user/orgs without read:org: %d, want 403", resp.StatusCode)
	}
}

// between returns the text of s between the first open and the next close.
func between(s, open, close string) string {
	_, after, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(after, close)
	if !ok {
		return ""
	}
	return v
}
