package rp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// GitHub's REST API, as documented at docs.github.com/en/rest: /user/emails needs
// user:email (or user); /user/orgs needs read:org (or user); /user/teams needs read:org,
// user or repo; lists are paged with per_page (at most 100) and a Link header.
const (
	githubMaxPages = 10
	githubAccept   = "application/vnd.github+json"
	githubVersion  = "2022-11-28"
)

// githubHeader are the headers of GitHub API calls.
func githubHeader() http.Header {
	return http.Header{"Accept": {githubAccept}, "X-Github-Api-Version": {githubVersion}}
}

// githubOrgScopes are the scopes that let a token list the user's organisations and teams.
var githubOrgScopes = []string{"read:org", "write:org", "admin:org", "user"}

// githubAfter completes a GitHub user's claims: the email is the primary address of
// /user/emails when GitHub says it is verified (the /user email is only the public
// profile address, which GitHub does not vouch for); with organisations or teams to
// allow, the user's memberships are read and checked, and become the user's groups.
func githubAfter(orgs, teams []string) func(p *RP, c userinfoCall, doc, claims map[string]any) error {
	return func(p *RP, c userinfoCall, doc, claims map[string]any) error {
		base := c.m.social.apiBase
		if hasAnyScope(c.granted, "user:email", "user") {
			emails, err := p.githubList(c, base+"/user/emails")
			var se *apiStatusError
			switch {
			case errors.As(err, &se) && (se.status == http.StatusNotFound || se.status == http.StatusForbidden):
			case err != nil:
				return err
			}
			for _, e := range emails {
				m, _ := e.(map[string]any)
				if email := claimText(m["email"]); email != "" && m["primary"] == true && m["verified"] == true {
					claims["email"], claims["email_verified"] = email, true
				}
			}
		}
		if len(orgs) == 0 && len(teams) == 0 && !hasAnyScope(c.granted, "read:org", "write:org", "admin:org") {
			return nil
		}
		if !hasAnyScope(c.granted, githubOrgScopes...) {
			return newError(http.StatusForbidden, "github_scope_missing",
				"GitHub did not let this site read your organisation memberships (the read:org permission), which it needs "+
					"to check who may sign in. Sign in again and allow it, or ask the site's administrator.",
				fmt.Errorf("github: granted scopes %q lack read:org", c.granted))
		}
		member, err := p.githubMemberships(c, base)
		if err != nil {
			return err
		}
		groups := []any{}
		for _, g := range member {
			groups = append(groups, g)
		}
		claims["groups"] = groups
		if (len(orgs) > 0 || len(teams) > 0) && !githubAllowed(member, orgs, teams) {
			return newError(http.StatusForbidden, "github_not_member",
				"Your GitHub account is not a member of an organisation or team allowed to sign in here.",
				fmt.Errorf("%w: github user %q is in none of the allowed organisations and teams", errNotAllowed,
					truncate(claimText(claims["preferred_username"]), 64)))
		}
		return nil
	}
}

// githubMemberships lists the user's organisation logins and teams ("org/team-slug").
func (p *RP) githubMemberships(c userinfoCall, base string) ([]string, error) {
	var out []string
	orgs, err := p.githubList(c, base+"/user/orgs")
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		m, _ := o.(map[string]any)
		if login := claimText(m["login"]); login != "" {
			out = append(out, login)
		}
	}
	teams, err := p.githubList(c, base+"/user/teams")
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		m, _ := t.(map[string]any)
		org, _ := m["organization"].(map[string]any)
		if login, slug := claimText(org["login"]), claimText(m["slug"]); login != "" && slug != "" {
			out = append(out, login+"/"+slug)
		}
	}
	return out, nil
}

// githubAllowed reports whether memberships include an allowed organisation or team
// (logins and slugs compared without regard to case, as GitHub treats them).
func githubAllowed(member, orgs, teams []string) bool {
	for _, m := range member {
		if slices.ContainsFunc(orgs, func(o string) bool { return strings.EqualFold(o, m) }) ||
			slices.ContainsFunc(teams, func(t string) bool { return strings.EqualFold(t, m) }) {
			return true
		}
	}
	return false
}

// githubList GETs a paged GitHub list, following the Link header's next page on the
// same origin only (the access token goes nowhere else), at most githubMaxPages pages.
func (p *RP) githubList(c userinfoCall, u string) ([]any, error) {
	q := url.Values{"per_page": {"100"}}
	next := u + "?" + q.Encode()
	var out []any
	for range githubMaxPages {
		body, h, err := p.apiGet(c, next, githubHeader())
		if err != nil {
			return nil, err
		}
		var page []any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&page); err != nil {
			return nil, providerError("userinfo", fmt.Errorf("%s: not a JSON list: %w", u, err))
		}
		out = append(out, page...)
		next = linkNext(h.Get("Link"))
		if next == "" {
			return out, nil
		}
		if !sameOrigin(u, next) {
			return nil, providerError("userinfo", fmt.Errorf("%s: next page on another origin", u))
		}
	}
	p.log.Warn("github list cut at the page limit", "path", u, "pages", githubMaxPages)
	return out, nil
}

// linkNext returns the rel="next" URL of a Link header (RFC 8288), or "".
func linkNext(h string) string {
	for _, part := range strings.Split(h, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.Trim(v, `"`)), "next") {
				return strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
			}
		}
	}
	return ""
}

// hasAnyScope reports whether granted holds one of scopes.
func hasAnyScope(granted []string, scopes ...string) bool {
	return slices.ContainsFunc(granted, func(s string) bool { return slices.Contains(scopes, s) })
}
