package rp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/foyer-oidc/foyer/mockidp"
)

// socialUsers are the users of the OAuth 2.0 preset tests: alice has a verified
// address, mallory claims the same address without it being verified.
func socialUsers() []mockidp.User {
	return []mockidp.User{
		{Subject: "alice", Claims: map[string]any{"preferred_username": "alice", "name": "Alice Example", "nickname": "alice",
			"email": "alice@example.com", "email_verified": true, "orgs": []any{"acme", "other"}, "teams": []any{"acme/core"}}},
		{Subject: "mallory", Claims: map[string]any{"preferred_username": "mallory", "name": "Mallory", "nickname": "mallory",
			"email": "alice@example.com", "email_verified": false, "orgs": []any{"evil"}}},
	}
}

// newSocialHarness runs an RP whose one provider is the OAuth 2.0 preset kind,
// pointed (BaseURL) at the mock provider's persona of the same name.
func newSocialHarness(t *testing.T, kind string, users []mockidp.User, pc func(*ProviderConfig), cfg func(*Config)) *harness {
	t.Helper()
	if users == nil {
		users = socialUsers()
	}
	return newHarness(t, harnessOpt{
		idp: []mockidp.Option{mockidp.WithPersona(kind), mockidp.WithUsers(users...)},
		cfg: func(c *Config) {
			p := &c.Providers[0]
			p.ID, p.Name, p.Issuer, p.Kind, p.BaseURL = kind, kind, "", kind, c.Providers[0].Issuer
			if pc != nil {
				pc(p)
			}
			if cfg != nil {
				cfg(c)
			}
		},
	})
}

// login signs c in as user (the mock's login_hint) and returns the final response.
func (h *harness) login(c *http.Client, provider, user string) (*http.Response, string) {
	h.t.Helper()
	q := url.Values{"provider": {provider}, "login_hint": {user}, "rd": {"/app/"}}
	return h.get(c, "/auth/login?"+q.Encode())
}

// userinfo returns c's /auth/userinfo object (nil when signed out).
func (h *harness) userinfo(c *http.Client) map[string]any {
	h.t.Helper()
	resp, body := h.get(c, "/auth/userinfo")
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		h.t.Fatalf("/auth/userinfo: %v: %s", err, body)
	}
	return m
}

// verify asks /auth/verify (forward auth) with extra query rules and returns the
// response.
func (h *harness) verify(c *http.Client, query string) *http.Response {
	h.t.Helper()
	path := "/auth/verify"
	if query != "" {
		path += "?" + query
	}
	resp, _ := h.get(c, path, "Accept", "application/json")
	return resp
}

// requests returns the mock's captured requests at endpoint whose path ends with suffix.
func (h *harness) requests(endpoint, suffix string) []mockidp.CapturedRequest {
	var out []mockidp.CapturedRequest
	for _, r := range h.idp.Provider.Requests(endpoint) {
		if strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// fmtJSON writes v as JSON, for messages and substring checks.
func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
