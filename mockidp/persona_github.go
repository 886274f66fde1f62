package mockidp

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PersonaGitHub imitates a GitHub OAuth app, at GitHub Enterprise Server's
// URLs (github.com serves the API at api.github.com without /api/v3; the
// persona answers both paths). Checked against:
//
//   - https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
//     GET /login/oauth/authorize, POST /login/oauth/access_token; the
//     token answer is form-encoded (access_token, scope "repo,gist",
//     token_type bearer) unless Accept: application/json; no refresh
//     token and no expiry for OAuth apps; the implicit grant is refused.
//   - https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
//     incorrect_client_credentials, redirect_uri_mismatch and
//     bad_verification_code with error_description and error_uri, in the
//     format the Accept header asks for. GitHub sends them with HTTP 200
//     (e.g. https://github.com/octokit/octokit.rb/issues/347: the client
//     got the error as a normal resource).
//   - https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication
//     PKCE accepted, not required, S256 only.
//   - https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
//     the scopes; X-OAuth-Scopes and X-Accepted-OAuth-Scopes headers; a
//     user may grant fewer scopes than asked (the user's "denied_scopes").
//   - https://docs.github.com/en/rest/users/users#get-the-authenticated-user
//     GET /user: numeric id, login, nullable name and email (the public
//     profile email, not necessarily verified).
//   - https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
//     GET /user/emails with user:email (or user): email, primary,
//     verified, visibility.
//   - https://docs.github.com/en/rest/orgs/orgs#list-organizations-for-the-authenticated-user
//     GET /user/orgs needs user or read:org, else 403.
//   - https://docs.github.com/en/rest/teams/teams#list-teams-for-the-authenticated-user
//     GET /user/teams needs user, repo or read:org; each team has slug
//     and organization.login.
//   - https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
//     per_page (default 30, max 100), page, and the Link header.
//
// The user's claims: preferred_username (the login, else the subject),
// name, picture, public_email (the /user email), email and email_verified
// (the primary address), emails (more /user/emails entries, as objects),
// orgs (organisation logins), teams ("org/team-slug"), id (overrides the
// derived numeric id) and denied_scopes.
const PersonaGitHub = "github"

// githubNoScope stands for an authorization request without scope: GitHub
// then grants read-only access to public information and an empty scope.
const githubNoScope = "(none)"

var githubPersona = &socialPersona{
	authorize: paths("/login/oauth/authorize"),
	token:     paths("/login/oauth/access_token"),
	scopes: []string{githubNoScope, "repo", "public_repo", "repo:status", "user", "read:user", "user:email", "user:follow",
		"read:org", "write:org", "admin:org", "gist", "notifications", "workflow", "read:project"},
	defaultScope: githubNoScope,
	commaScopes:  true,
	pkce:         pkceOptionalS256,
	tokenOf:      func(r *http.Request) string { return bearerOf(r, "Bearer", "token") },
	writeToken:   githubWriteToken,
	writeTokenError: func(w http.ResponseWriter, r *http.Request, oe *oauthError, status int) {
		code, desc, anchor := oe.Code, oe.Description, ""
		switch {
		case code == errInvalidGrant && strings.Contains(desc, "redirect_uri"):
			code, desc, anchor = "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.", "#redirect-uri-mismatch2"
		case code == errInvalidGrant:
			code, desc, anchor = "bad_verification_code", "The code passed is incorrect or expired.", "#bad-verification-code"
		case code == errInvalidClient:
			code, desc, anchor = "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.", "#incorrect-client-credentials"
		}
		githubTokenBody(w, r, cmp.Or(status, http.StatusOK), map[string]string{"error": code, "error_description": desc,
			"error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/" + anchor})
	},
	unauthorized: func(w http.ResponseWriter, r *http.Request) {
		githubJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials",
			"documentation_url": "https://docs.github.com/rest", "status": "401"})
	},
	api: []apiRoute{
		{match: githubPath("/user"), user: true, serve: githubUser},
		{match: githubPath("/user/emails"), serve: githubEmails},
		{match: githubPath("/user/orgs"), serve: githubOrgs},
		{match: githubPath("/user/teams"), serve: githubTeams},
	},
}

// githubPath matches path at api.github.com and under GHES's /api/v3.
func githubPath(path string) func(string) bool {
	return func(rel string) bool { return rel == path || rel == "/api/v3"+path }
}

// githubScope is a granted scope list the way GitHub writes it: sorted,
// comma-separated, "" for none.
func githubScope(scopes []string, sep string) string {
	s := slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == githubNoScope })
	slices.Sort(s)
	return strings.Join(s, sep)
}

func githubWriteToken(w http.ResponseWriter, r *http.Request, resp *tokenResponse) {
	githubTokenBody(w, r, http.StatusOK, map[string]string{"access_token": resp.AccessToken,
		"scope": githubScope(strings.Fields(resp.Scope), ","), "token_type": "bearer"})
}

// githubTokenBody writes a token endpoint answer as JSON when the request
// accepts application/json, else form-encoded.
func githubTokenBody(w http.ResponseWriter, r *http.Request, status int, v map[string]string) {
	if acceptsJSON(r) {
		writeJSON(w, status, v)
		return
	}
	form := url.Values{}
	for k, s := range v {
		form.Set(k, s)
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(form.Encode()))
}

// acceptsJSON reports whether the Accept header names application/json.
func acceptsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

func githubJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
	writeJSON(w, status, v)
}

// githubScopes sets the scope headers of an API answer.
func githubScopes(w http.ResponseWriter, at *accessToken, accepted string) {
	w.Header().Set("X-OAuth-Scopes", githubScope(at.scopes, ", "))
	w.Header().Set("X-Accepted-OAuth-Scopes", accepted)
}

// githubDenied answers a request whose token lacks the scope.
func githubDenied(w http.ResponseWriter, status int, msg, doc string) {
	githubJSON(w, status, map[string]string{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func githubUser(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, fault *Fault) {
	u := at.grant.user
	id, n := socialID(PersonaGitHub, u, 10_000_000, 90_000_000)
	login := cmp.Or(claimString(u, "preferred_username"), u.Subject)
	base := strings.TrimSuffix(iss, "/")
	created := time.Unix(1_300_000_000+int64(n%300_000_000), 0)
	obj := map[string]any{
		"login": login, "id": id, "node_id": base64.StdEncoding.EncodeToString([]byte("04:User" + strconv.FormatUint(n, 10))),
		"avatar_url": cmp.Or(claimString(u, "picture"), base+"/avatars/u/"+strconv.FormatUint(n, 10)+"?v=4"),
		"html_url":   base + "/" + login, "url": base + "/api/v3/users/" + login, "type": "User", "site_admin": false,
		"name": nullable(claimString(u, "name")), "company": nil, "blog": "", "location": nil,
		"email": nullable(claimString(u, "public_email")), "hireable": nil, "bio": nil, "twitter_username": nil,
		"public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": rfc3339(created), "updated_at": rfc3339(created),
	}
	githubScopes(w, at, "")
	githubJSON(w, http.StatusOK, userView(obj, fault))
}

func githubEmails(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, _ *Fault) {
	githubScopes(w, at, "user, user:email")
	if !at.hasAnyScope("user", "user:email") {
		githubDenied(w, http.StatusNotFound, "Not Found",
			"https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user")
		return
	}
	u := at.grant.user
	var list []any
	if email := claimString(u, "email"); email != "" {
		visibility := "private"
		if claimString(u, "public_email") == email {
			visibility = "public"
		}
		list = append(list, map[string]any{"email": email, "primary": true, "verified": claimTrue(u, "email_verified"),
			"visibility": visibility})
	}
	if more, ok := u.Claims["emails"].([]any); ok {
		list = append(list, more...)
	}
	githubJSON(w, http.StatusOK, paginate(w, r, iss, list))
}

func githubOrgs(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, _ *Fault) {
	githubScopes(w, at, "admin:org, read:org, repo, user, write:org")
	if !at.hasAnyScope("user", "read:org", "write:org", "admin:org") {
		githubDenied(w, http.StatusForbidden, "You need at least read:org scope or user scope to list your organizations.",
			"https://docs.github.com/rest/orgs/orgs#list-organizations-for-the-authenticated-user")
		return
	}
	list := []any{}
	for _, org := range stringList(at.grant.user.Claims["orgs"]) {
		list = append(list, githubOrg(iss, org))
	}
	githubJSON(w, http.StatusOK, paginate(w, r, iss, list))
}

func githubTeams(p *Provider, w http.ResponseWriter, r *http.Request, iss string, at *accessToken, _ *Fault) {
	githubScopes(w, at, "read:org, repo, user")
	if !at.hasAnyScope("user", "repo", "read:org", "write:org", "admin:org") {
		githubDenied(w, http.StatusForbidden, "Resource not accessible by integration",
			"https://docs.github.com/rest/teams/teams#list-teams-for-the-authenticated-user")
		return
	}
	base := strings.TrimSuffix(iss, "/")
	list := []any{}
	for _, t := range stringList(at.grant.user.Claims["teams"]) {
		org, slug, ok := strings.Cut(t, "/")
		if !ok {
			continue
		}
		_, n := socialID(PersonaGitHub, User{Subject: "team:" + t}, 1_000_000, 9_000_000)
		list = append(list, map[string]any{"id": n, "node_id": base64.StdEncoding.EncodeToString([]byte("04:Team" + strconv.FormatUint(n, 10))),
			"url": fmt.Sprintf("%s/api/v3/teams/%d", base, n), "html_url": base + "/orgs/" + org + "/teams/" + slug,
			"name": slug, "slug": slug, "description": nil, "privacy": "closed", "permission": "pull",
			"parent": nil, "organization": githubOrg(iss, org)})
	}
	githubJSON(w, http.StatusOK, paginate(w, r, iss, list))
}

// githubOrg is an organisation object of /user/orgs and /user/teams.
func githubOrg(iss, login string) map[string]any {
	base := strings.TrimSuffix(iss, "/")
	_, n := socialID(PersonaGitHub, User{Subject: "org:" + login}, 1_000_000, 9_000_000)
	return map[string]any{"login": login, "id": n, "node_id": base64.StdEncoding.EncodeToString([]byte("04:Organization" + strconv.FormatUint(n, 10))),
		"url": base + "/api/v3/orgs/" + login, "avatar_url": base + "/avatars/u/" + strconv.FormatUint(n, 10), "description": nil}
}

// paginate returns the page of items the request asks for (per_page,
// default 30, at most 100; page, from 1) and sets the Link header (RFC
// 8288) to the first, previous, next and last pages.
func paginate(w http.ResponseWriter, r *http.Request, iss string, items []any) []any {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	last := max(1, (len(items)+per-1)/per)
	link := func(n int, rel string) string {
		v := url.Values{"per_page": {strconv.Itoa(per)}, "page": {strconv.Itoa(n)}}
		return fmt.Sprintf("<%s%s?%s>; rel=%q", strings.TrimSuffix(iss, "/"), strings.TrimPrefix(r.URL.Path, pathOf(iss)), v.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min(len(items), (page-1)*per)
	out := items[start:min(len(items), start+per)]
	if out == nil {
		out = []any{}
	}
	return out
}
