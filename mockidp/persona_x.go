package mockidp

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// PersonaX imitates X (formerly Twitter) OAuth 2.0 with PKCE. Its real
// hosts are x.com (authorization) and api.x.com (token, API); the persona
// serves both on one host. Checked against:
//
//   - https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
//     and https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
//     GET https://x.com/i/oauth2/authorize with code_challenge and
//     code_challenge_method (S256 or plain) required; POST
//     https://api.x.com/2/oauth2/token, confidential clients by HTTP Basic,
//     public clients with client_id in the body; scopes tweet.read,
//     users.read, offline.access (a refresh token only with it); access
//     tokens live two hours.
//   - https://docs.x.com/x-api/users/user-lookup-me
//     GET /2/users/me: {"data": {"id": "2244994945", "name", "username"}};
//     ids are decimal strings; no email in this shape.
//   - https://docs.x.com/x-api/fundamentals/response-codes-and-errors
//     problem details for errors: {"title", "type", "status", "detail"}.
//
// The user's claims: name, preferred_username (the username, else the
// subject), id (overrides the derived id) and denied_scopes.
const PersonaX = "x"

var xPersona = &socialPersona{
	authorize: paths("/i/oauth2/authorize"),
	token:     paths("/2/oauth2/token"),
	scopes:    []string{"tweet.read", "users.read", "offline.access", "follows.read", "like.read", "list.read"},
	pkce:      pkceRequired,
	refresh:   func(scopes []string) bool { return slices.Contains(scopes, "offline.access") },
	tokenOf:   func(r *http.Request) string { return bearerOf(r, "Bearer") },
	writeToken: func(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
		v := map[string]any{"token_type": "bearer", "expires_in": resp.ExpiresIn, "access_token": resp.AccessToken,
			"scope": resp.Scope}
		if resp.RefreshToken != "" {
			v["refresh_token"] = resp.RefreshToken
		}
		writeJSON(w, http.StatusOK, v)
	},
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		desc := oe.Description
		if oe.Code == errInvalidGrant {
			desc = "Value passed for the authorization code was invalid."
		}
		writeJSON(w, cmp.Or(status, oe.Status), map[string]string{"error": oe.Code, "error_description": desc})
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		xProblem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	},
	api: []apiRoute{{match: func(rel string) bool { return rel == "/2/users/me" }, user: true, serve: xUsersMe}},
}

// xProblem writes an X API error.
func xProblem(w http.ResponseWriter, status int, title, detail string) {
	b, _ := json.Marshal(map[string]any{"title": title, "type": "about:blank", "status": status, "detail": detail}) // cannot fail
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func xUsersMe(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	if !at.hasAnyScope("users.read") || !at.hasAnyScope("tweet.read") {
		xProblem(w, http.StatusForbidden, "Forbidden", "the token needs the users.read and tweet.read scopes")
		return
	}
	u := at.grant.user
	obj := map[string]any{
		"id":       socialIDString(PersonaX, u, 1_000_000_000_000_000_000, 8_000_000_000_000_000_000),
		"name":     cmp.Or(claimString(u, "name"), u.Subject),
		"username": cmp.Or(claimString(u, "preferred_username"), u.Subject),
	}
	for _, f := range strings.Split(r.URL.Query().Get("user.fields"), ",") {
		switch strings.TrimSpace(f) {
		case "profile_image_url":
			if pic := claimString(u, "picture"); pic != "" {
				obj["profile_image_url"] = pic
			}
		case "created_at":
			obj["created_at"] = rfc3339(at.issued.AddDate(-5, 0, 0))
		case "protected":
			obj["protected"] = false
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": userView(obj, fault)})
}
