package mockidp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Client authentication with a signed JWT, private_key_jwt (RFC 7523 2.2
// and 3, OpenID Connect Core 9): what Entra certificate credentials, Okta
// and FAPI clients use instead of a secret. The rules, strict on purpose:
//
//   - client_assertion_type is urn:ietf:params:oauth:client-assertion-type:jwt-bearer;
//   - the JWS alg is asymmetric (never none or HS*), equals the client's
//     AuthSigningAlg when set and the alg of the verifying key when the
//     key names one; the signature verifies with a key of the client's
//     JWKS or JWKS URI (the one its kid names, if any);
//   - iss and sub are the client ID (and so is client_id, when sent);
//   - aud holds the issuer, the token endpoint URL or the URL of the
//     endpoint called;
//   - exp is present and in the future, at most maxAssertionLifetime ahead;
//     nbf and iat, when present, are at most a minute in the future (clocks
//     differ a little);
//   - jti is present and never seen before for that client (it is kept
//     until exp).
//
// Every failure is invalid_client (RFC 7521 4.2.1).

// ClientAssertionType is the client_assertion_type of private_key_jwt.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAssertionLifetime is how far ahead an assertion's exp may be. It
// bounds the replay record (mockidp policy; e.g. Auth0 documents the same
// claims, https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt,
// and providers cap the lifetime between minutes and a day).
const maxAssertionLifetime = time.Hour

// assertionClaims are the registered claims of an assertion.
type assertionClaims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud audience `json:"aud"`
	Exp *int64   `json:"exp"`
	Nbf *int64   `json:"nbf"`
	Iat *int64   `json:"iat"`
	Jti string   `json:"jti"`
}

// assertionLeeway is how far in the future nbf and iat may be: the signer's
// clock may run a little ahead (exp has no leeway).
const assertionLeeway = time.Minute

// checkTimes checks exp (required, future, at most max ahead), nbf and iat
// (not more than assertionLeeway in the future) at now.
func (c *assertionClaims) checkTimes(now time.Time, max time.Duration) error {
	n, leeway := now.Unix(), int64(assertionLeeway/time.Second)
	switch {
	case c.Exp == nil:
		return errors.New("exp is missing")
	case n >= *c.Exp:
		return errors.New("the assertion has expired")
	case *c.Exp-n > int64(max/time.Second):
		return fmt.Errorf("exp is more than %v ahead", max)
	case c.Nbf != nil && n+leeway < *c.Nbf:
		return errors.New("the assertion is not valid yet (nbf)")
	case c.Iat != nil && n+leeway < *c.Iat:
		return errors.New("iat is in the future")
	}
	return nil
}

// clientAssertionAuth authenticates the client of a request carrying
// client_assertion: it returns the client, or an invalid_client error
// whose cause is logged. endpoint is the route called ("token",
// "introspect", "revoke").
func (p *Provider) clientAssertionAuth(iss, endpoint string, form map[string]string) (*Client, error) {
	fail := func(format string, args ...any) error {
		e := newError(errInvalidClient, "client authentication failed")
		e.Err = fmt.Errorf("client assertion: "+format, args...)
		return e
	}
	if t := form["client_assertion_type"]; t != ClientAssertionType {
		return nil, fail("client_assertion_type %q is not %s", t, ClientAssertionType)
	}
	raw := form["client_assertion"]
	jws, err := jose.ParseSignedCompact(raw, joseAlgs)
	if err != nil {
		return nil, fail("not a JWS signed with an asymmetric algorithm: %v", err)
	}
	var unverified assertionClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return nil, fail("claims: %v", err)
	}
	id := unverified.Sub
	if id == "" {
		return nil, fail("sub is missing")
	}
	if cid, ok := form["client_id"]; ok && cid != id {
		return nil, fail("client_id %q differs from the assertion's sub", cid)
	}
	c := p.client(id)
	switch {
	case c == nil:
		return nil, fail("sub %q is not a registered client", id)
	case !c.hasKeys():
		return nil, fail("client %q has no keys (JWKS or JWKSURI)", id)
	case c.AuthMethod != "" && c.AuthMethod != AuthPrivateKeyJWT:
		return nil, fail("client %q must use %s", id, c.AuthMethod)
	}
	payload, err := p.verifyWithClientKeys(c, jws)
	if err != nil {
		return nil, fail("%v", err)
	}
	var claims assertionClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fail("claims: %v", err)
	}
	now := p.Now()
	switch {
	case claims.Iss != id || claims.Sub != id:
		return nil, fail("iss and sub must both be the client ID")
	case !slices.ContainsFunc(claims.Aud, func(a string) bool { return slices.Contains(p.assertionAudiences(iss, endpoint), a) }):
		return nil, fail("aud %q names neither the issuer nor the endpoint", []string(claims.Aud))
	case claims.Jti == "":
		return nil, fail("jti is missing")
	}
	if err := claims.checkTimes(now, maxAssertionLifetime); err != nil {
		return nil, fail("%v", err)
	}
	if !p.firstUse("client:"+id+"\x00"+claims.Jti, time.Unix(*claims.Exp, 0), now) {
		return nil, fail("jti was already used (replay)")
	}
	return c, nil
}

// assertionAudiences are the aud values an assertion sent to endpoint may
// carry: the issuer, and the token endpoint's and endpoint's URLs on every
// base the provider advertises.
func (p *Provider) assertionAudiences(iss, endpoint string) []string {
	out := []string{iss}
	path := strings.TrimSuffix(pathOf(iss), "/")
	bases := []string{strings.TrimSuffix(iss, "/")}
	for _, b := range []string{p.cfg.PublicURL, p.cfg.InternalURL} {
		if b != "" {
			bases = append(bases, strings.TrimSuffix(b, "/")+path)
		}
	}
	for _, b := range bases {
		out = append(out, b+"/token", b+"/"+endpoint)
	}
	return out
}

// verifyWithClientKeys verifies jws with c's keys and alg rules.
func (p *Provider) verifyWithClientKeys(c *Client, jws *jose.JSONWebSignature) ([]byte, error) {
	alg := jws.Signatures[0].Header.Algorithm
	if c.AuthSigningAlg != "" && alg != c.AuthSigningAlg {
		return nil, fmt.Errorf("alg %s, the client is registered for %s", alg, c.AuthSigningAlg)
	}
	src := keySource{static: p.reg.Load().clientJWKS[c.ID], uri: c.JWKSURI}
	return p.verifyJWS(jws, src)
}

// firstUse records key until expires and reports whether it was new.
// Used for jti replay detection.
func (p *Provider) firstUse(key string, expires, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if exp, ok := p.seenJTI[key]; ok && now.Before(exp) {
		return false
	}
	p.seenJTI[key] = expires
	if len(p.seenJTI) > 4096 {
		for k, exp := range p.seenJTI {
			if !now.Before(exp) {
				delete(p.seenJTI, k)
			}
		}
	}
	return true
}
