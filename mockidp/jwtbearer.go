package mockidp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxBearerLifetime is how far ahead a JWT bearer assertion's exp may be.
const maxBearerLifetime = 24 * time.Hour

// jwtBearerGrant handles the JWT bearer authorization grant (RFC 7523 2.1
// and 3): the assertion is signed by a trusted issuer, or by the
// requesting client itself (iss = its client ID, verified with its JWKS);
// sub is the subject of the new access token; aud names the issuer or the
// token endpoint; exp is required (at most 24 h ahead), nbf and iat are
// not in the future, and a jti, when present, is accepted once. Any
// problem with the assertion is invalid_grant (RFC 7523 3.1). The scope
// is the scope parameter, else the assertion's scope claim. The client
// authenticates as for any grant, or not at all when it signed the
// assertion itself (RFC 7523 3.1 makes client authentication optional).
func (p *Provider) jwtBearerGrant(iss string, c *Client, form map[string]string) (*tokenResponse, error) {
	raw := form["assertion"]
	if raw == "" {
		return nil, newError(errInvalidRequest, "assertion is required")
	}
	fail := func(format string, args ...any) error {
		e := newError(errInvalidGrant, "the assertion is not valid")
		e.Err = fmt.Errorf("JWT bearer assertion: "+format, args...)
		return e
	}
	jws, err := jose.ParseSignedCompact(raw, joseAlgs)
	if err != nil {
		return nil, fail("not a JWS signed with an asymmetric algorithm: %v", err)
	}
	var peek assertionClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &peek); err != nil {
		return nil, fail("claims: %v", err)
	}
	var payload []byte
	selfIssued := false
	switch src, trusted := p.trusted[peek.Iss]; {
	case peek.Iss == "":
		return nil, fail("iss is missing")
	case trusted:
		payload, err = p.verifyJWS(jws, src)
	case p.client(peek.Iss) != nil && p.client(peek.Iss).hasKeys():
		if peek.Iss != c.ID {
			return nil, fail("iss %q is another client", peek.Iss)
		}
		selfIssued = true
		payload, err = p.verifyWithClientKeys(c, jws)
	default:
		return nil, fail("iss %q is neither a trusted issuer nor a client with keys", peek.Iss)
	}
	if err != nil {
		return nil, fail("%v", err)
	}
	var claims assertionClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fail("claims: %v", err)
	}
	var typ map[string]any // all claims
	_ = json.Unmarshal(payload, &typ)
	now := p.Now()
	switch {
	case claims.Sub == "":
		return nil, fail("sub is missing")
	case typ["events"] != nil:
		return nil, fail("a logout token is no assertion")
	case !slices.ContainsFunc(claims.Aud, func(a string) bool { return slices.Contains(p.assertionAudiences(iss, "token"), a) }):
		return nil, fail("aud %q names neither the issuer nor the token endpoint", []string(claims.Aud))
	}
	if err := claims.checkTimes(now, maxBearerLifetime); err != nil {
		return nil, fail("%v", err)
	}
	if claims.Jti != "" && !p.firstUse("bearer:"+claims.Iss+"\x00"+claims.Jti, time.Unix(*claims.Exp, 0), now) {
		return nil, fail("jti was already used (replay)")
	}
	var scopes []string
	s := strings.TrimSpace(form["scope"])
	if sc, ok := typ["scope"].(string); ok && s == "" {
		s = sc // Google-style assertions (golang.org/x/oauth2/jwt) carry the scope as a claim
	}
	if s != "" {
		if scopes, err = parseScopes(s, p.scopesFor(c)); err != nil {
			return nil, err
		}
	}
	user := User{Subject: claims.Sub}
	extra := map[string]any{}
	if selfIssued {
		user = p.mergeUser(user)
	} else {
		extra["subject_issuer"] = claims.Iss
	}
	g := &grant{clientID: c.ID, user: user, scopes: scopes, extra: extra, machine: true}
	return p.issue(iss, c, g, scopes, false, "", nil)
}

// noClientAuth reports whether a request carries no client authentication
// and no client_id at all.
func noClientAuth(r *http.Request, form map[string]string) bool {
	_, _, basic := r.BasicAuth()
	for _, k := range []string{"client_id", "client_secret", "client_assertion", "client_assertion_type"} {
		if _, ok := form[k]; ok {
			return false
		}
	}
	return !basic
}

// assertingClient is the client of a JWT bearer request without client
// authentication (the way Google service accounts and
// golang.org/x/oauth2/jwt send it): the registered client with keys that
// the assertion's iss names. jwtBearerGrant then verifies the assertion
// with that client's keys, which is what authenticates it.
func (p *Provider) assertingClient(form map[string]string) (*Client, error) {
	var peek assertionClaims
	if jws, err := jose.ParseSignedCompact(form["assertion"], joseAlgs); err == nil {
		_ = json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &peek)
	}
	if c := p.client(peek.Iss); c != nil && c.hasKeys() {
		return c, nil
	}
	return nil, newError(errInvalidClient, "authenticate the client, or send an assertion the client signed itself (iss = client_id)")
}
