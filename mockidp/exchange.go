package mockidp

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Token types of OAuth 2.0 Token Exchange (RFC 8693 3).
const (
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
)

// errInvalidTarget: the requested audience or resource is not acceptable
// (RFC 8693 2.2.2, RFC 8707).
const errInvalidTarget = "invalid_target"

// tokenExchangeGrant handles OAuth 2.0 Token Exchange (RFC 8693): it
// trades a subject token (an access token, ID token or JWT issued by this
// provider or a trusted issuer), optionally with an actor token, for an
// access token (RFC 9068 JWT) for the audience and resource asked for
// (several of each may be sent; default: the client), with the act claim
// of RFC 8693 4.1 when there is an actor (prior actors nested inside). A
// subject token's may_act claim, when present, must name the actor. A
// subject token with a scope claim bounds the scopes that may be asked
// for. Problems with either token are invalid_request (RFC 8693 2.2.2),
// with audience or resource invalid_target.
func (p *Provider) tokenExchangeGrant(iss string, c *Client, form map[string]string, all url.Values) (*tokenResponse, error) {
	subj, err := p.exchangeInput(iss, form, "subject_token", true)
	if err != nil {
		return nil, err
	}
	actor, err := p.exchangeInput(iss, form, "actor_token", false)
	if err != nil {
		return nil, err
	}
	issued := TokenTypeAccessToken
	switch rt := form["requested_token_type"]; rt {
	case "", TokenTypeAccessToken:
	case TokenTypeJWT:
		issued = TokenTypeJWT
	default:
		return nil, newError(errInvalidRequest, "requested_token_type %q is not supported (want access_token or jwt)", rt)
	}
	var aud []string
	for _, a := range all["audience"] {
		if a == "" {
			return nil, newError(errInvalidTarget, "audience must not be empty")
		}
		aud = append(aud, a)
	}
	for _, res := range all["resource"] {
		u, err := url.Parse(res)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(res, "#") {
			return nil, newError(errInvalidTarget, "resource must be an absolute URI without fragment (RFC 8707)")
		}
		aud = append(aud, res)
	}
	scopes, err := p.exchangeScopes(c, form, subj)
	if err != nil {
		return nil, err
	}
	extra := map[string]any{}
	switch len(aud) {
	case 0:
	case 1:
		extra["aud"] = aud[0]
	default:
		extra["aud"] = slices.Compact(aud)
	}
	prior := subj.claims["act"]
	if actor != nil {
		if err := checkMayAct(subj, actor); err != nil {
			return nil, err
		}
		act := map[string]any{"sub": actor.str("sub")}
		if !actor.ours {
			act["iss"] = actor.iss
		}
		if prior != nil {
			act["act"] = prior
		}
		extra["act"] = act
	} else if prior != nil {
		extra["act"] = prior
	}
	user := User{Subject: subj.str("sub")}
	if subj.ours {
		user = p.mergeUser(user)
	} else {
		extra["subject_issuer"] = subj.iss
	}
	g := &grant{clientID: c.ID, user: user, scopes: scopes, extra: extra, machine: true}
	resp, err := p.issue(iss, c, g, scopes, false, "", nil)
	if err != nil {
		return nil, err
	}
	resp.IssuedTokenType = issued
	return resp, nil
}

// exchangeInput reads and verifies the token named by param (and its
// param_type); an absent optional token gives nil.
func (p *Provider) exchangeInput(iss string, form map[string]string, param string, required bool) (*incomingJWT, error) {
	tok, typ := form[param], form[param+"_type"]
	switch {
	case tok == "" && typ == "" && !required:
		return nil, nil
	case tok == "":
		return nil, newError(errInvalidRequest, "%s is required", param)
	case typ == "":
		return nil, newError(errInvalidRequest, "%s_type is required with %s", param, param)
	}
	switch typ {
	case TokenTypeAccessToken, TokenTypeIDToken, TokenTypeJWT:
	default:
		return nil, newError(errInvalidRequest, "%s_type %q is not supported (want access_token, id_token or jwt)", param, typ)
	}
	t, err := p.verifyIncoming(tok, iss, 0)
	if err != nil {
		return nil, exchangeErr(param, err)
	}
	if t.str("sub") == "" {
		return nil, newError(errInvalidRequest, "%s has no sub", param)
	}
	if !t.ours {
		return t, nil
	}
	switch typ {
	case TokenTypeAccessToken: // one of this provider's live access tokens
		now := p.Now()
		p.mu.Lock()
		at := p.access[keyOf(tok)]
		live := at != nil && !at.revoked && !at.grant.revoked && !now.After(at.expires)
		p.mu.Unlock()
		if !live {
			return nil, newError(errInvalidRequest, "%s is not a live access token of this provider", param)
		}
	case TokenTypeIDToken:
		if t.typ == typAccess {
			return nil, newError(errInvalidRequest, "%s is an access token, not an ID token", param)
		}
	}
	return t, nil
}

func exchangeErr(param string, err error) error {
	e := newError(errInvalidRequest, "%s is not valid", param)
	e.Err = fmt.Errorf("%s: %w", param, err)
	return e
}

// exchangeScopes returns the scopes of the new token: those asked for
// (known to the client, and within the subject token's scope claim when
// it has one), else the subject token's.
func (p *Provider) exchangeScopes(c *Client, form map[string]string, subj *incomingJWT) ([]string, error) {
	var have []string
	if s, ok := subj.claims["scope"].(string); ok {
		have = strings.Fields(s)
	}
	s := strings.TrimSpace(form["scope"])
	if s == "" {
		return have, nil
	}
	req, err := parseScopes(s, p.scopesFor(c))
	if err != nil {
		return nil, err
	}
	if _, bounded := subj.claims["scope"]; bounded {
		for _, sc := range req {
			if !slices.Contains(have, sc) {
				return nil, newError(errInvalidScope, "scope %q is not in the subject token's scope", sc)
			}
		}
	}
	return req, nil
}

// checkMayAct enforces the subject token's may_act claim (RFC 8693 4.4):
// when present, the actor must be the party it names.
func checkMayAct(subj, actor *incomingJWT) error {
	raw, ok := subj.claims["may_act"]
	if !ok {
		return nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return newError(errInvalidRequest, "the subject token's may_act is not an object")
	}
	sub, _ := m["sub"].(string)
	mayIss, hasIss := m["iss"].(string)
	if sub == "" || sub != actor.str("sub") || (hasIss && mayIss != actor.iss) {
		return newError(errInvalidRequest, "the actor is not allowed to act for the subject (may_act)")
	}
	return nil
}
