package rp

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// finishOAuth2 finishes a sign-in with an OAuth 2.0 provider: it redeems the code and
// asks the provider's user-info endpoint, with the access token it has just received,
// who signed in. That answer is the only source of the user's identity: no token or
// claim the browser presents is ever taken, since any application's access token
// (for that provider) would otherwise sign in as its user.
func (p *RP) finishOAuth2(w http.ResponseWriter, r *http.Request, ctx context.Context, prov *provider, m *metadata,
	ls *loginState, code string) (*Session, error) {
	prof := m.social
	var opts []oauth2.AuthCodeOption
	if prof.pkce {
		opts = append(opts, oauth2.VerifierOption(ls.Verifier))
	}
	if prof.kind == KindNaver {
		// Naver's token request carries the state too (developers.naver.com/docs/login/api/api.md).
		opts = append(opts, oauth2.SetAuthURLParam("state", ls.State))
	}
	tok, err := m.oauth.Exchange(ctx, code, opts...)
	if err != nil {
		return nil, exchangeError(prov, err)
	}
	call := userinfoCall{req: r.WithContext(ctx), prov: prov, m: m, token: tok, granted: grantedScopes(tok)}
	fetch := prof.userinfo
	if fetch == nil {
		fetch = func(p *RP, c userinfoCall) (map[string]any, error) { return p.getUserInfo(c, m.userinfoURL, nil) }
	}
	doc, err := fetch(p, call)
	if err != nil {
		return nil, err
	}
	if prof.check != nil {
		if err := prof.check(doc); err != nil {
			return nil, providerError("userinfo", err)
		}
	}
	claims, err := mapClaims(doc, prof.mapping, prof.trustEmail)
	if err != nil {
		return nil, noSubject(fmt.Errorf("userinfo: %w", err))
	}
	if prof.after != nil {
		if err := prof.after(p, call, doc, claims); err != nil {
			return nil, err
		}
	}
	now := p.settings.Now()
	s := &Session{
		ID:        randomString(32),
		Provider:  prov.cfg.ID,
		Issuer:    prof.issuer,
		Subject:   claims["sub"].(string),
		Extra:     claims,
		CSRF:      randomString(32),
		CreatedAt: now,
		ExpiresAt: now.Add(p.settings.AbsoluteLifetime),
		LastSeen:  now,
		Tokens: Tokens{
			AccessToken:  tok.AccessToken,
			RefreshToken: tok.RefreshToken,
			Expiry:       tokenExpiry(tok, now),
		},
	}
	if err := p.saveNewSession(w, r, s); err != nil {
		return nil, err
	}
	return s, nil
}

// grantedScopes are the scopes a token response says were granted (space- or, as
// GitHub writes them, comma-separated); nil when it does not say.
func grantedScopes(tok *oauth2.Token) []string {
	s, _ := tok.Extra("scope").(string)
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// getUserInfo GETs a user-info URL with the access token in the Authorization header
// (never in the query) and decodes its JSON object. Any status but 200, and any answer
// that is not one JSON object, fails the sign-in.
func (p *RP) getUserInfo(c userinfoCall, u string, header http.Header) (map[string]any, error) {
	body, _, err := p.apiGet(c, u, header)
	if err != nil {
		return nil, err
	}
	doc, err := decodeUserInfo(body)
	if err != nil {
		return nil, providerError("userinfo", fmt.Errorf("not a JSON object: %w", err))
	}
	return doc, nil
}

// apiGet GETs u with the call's access token and returns a 200 answer's body and
// headers; any other status is an error naming it.
func (p *RP) apiGet(c userinfoCall, u string, header http.Header) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(c.req.Context(), http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, providerError("userinfo", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Authorization", "Bearer "+c.token.AccessToken)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, nil, providerError("userinfo", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, providerError("userinfo", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, providerError("userinfo", &apiStatusError{status: resp.StatusCode, path: req.URL.Path})
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "" && !strings.Contains(ct, "json") {
		return nil, nil, providerError("userinfo", fmt.Errorf("%s: content type %q", req.URL.Path, ct))
	}
	return body, resp.Header, nil
}

// apiStatusError is a user-info or API call answered with another status than 200.
type apiStatusError struct {
	status int
	path   string
}

func (e *apiStatusError) Error() string { return fmt.Sprintf("%s: status %d", e.path, e.status) }

// sameOrigin reports whether next (a pagination link) is on the origin of base, so
// that rp never sends the access token to another host.
func sameOrigin(base, next string) bool {
	b, err1 := url.Parse(base)
	n, err2 := url.Parse(next)
	return err1 == nil && err2 == nil && n.Scheme == b.Scheme && strings.EqualFold(n.Host, b.Host)
}
