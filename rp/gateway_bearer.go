package rp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// BearerConfig lets API clients — a CLI, a mobile app, another service — call through
// the proxy, /auth/verify and [RP.RequireLogin] with "Authorization: Bearer" and a
// token issued by this provider, instead of a session cookie. Identity headers and
// access rules apply as for sessions; a bearer request never creates a session,
// never gets a cookie and never a redirect: failures are RFC 6750 answers (401
// invalid_token, 403 insufficient_scope, 400 invalid_request) with a JSON body, and
// 503 when the provider cannot be asked (never let in).
//
// When bearer tokens are on and a request carries "Authorization: Bearer", the token
// decides: session cookies on that request are not looked at.
//
// A JWT (RFC 9068 access token, or an ID token when Types allow it) is verified with
// the provider's key set (the one ID tokens use, with its refetch cooldown and
// rotation), its advertised asymmetric algorithms only (never none or HMAC), and
// strict claims: iss is the issuer, aud names one of Audiences, exp (with the clock
// skew) and sub are present, nbf and iat are not in the future, typ is allowed, every
// scope of Scopes is granted, and no logout-token events claim. Other tokens are
// opaque: with Introspection set they are sent to the provider's RFC 7662 endpoint
// (client-authenticated), and the answer is cached by a hash of the token for at most
// IntrospectionCacheTTL and never past its exp.
type BearerConfig struct {
	// Enabled accepts this provider's bearer tokens.
	Enabled bool
	// Audiences are the accepted aud values (any of them). Empty: the client id.
	Audiences []string
	// Scopes must all be granted (the scope claim, space-separated, or scp as a
	// string or list). Empty: none required.
	Scopes []string
	// Types are the accepted JWT "typ" headers, compared without case and without an
	// "application/" prefix. "JWT" also accepts a token without typ (as ID tokens
	// often are). Empty: "at+jwt" only (RFC 9068 §2.1), so ID tokens are refused.
	Types []string
	// Introspection sends tokens to the provider's introspection endpoint (RFC 7662):
	// [IntrospectOpaque] for tokens that are not JWTs, [IntrospectAll] for every token
	// (JWTs are then verified locally as well). Empty: JWTs only. One provider at most
	// may introspect (an opaque token does not say whose it is).
	Introspection string
	// IntrospectionURL is the endpoint. Empty: the introspection_endpoint of discovery.
	IntrospectionURL string
	// IntrospectionCacheTTL bounds how long an answer is reused. Zero:
	// [DefaultIntrospectionCacheTTL]; at most 10 minutes.
	IntrospectionCacheTTL time.Duration
	// IntrospectionTimeout bounds one introspection call; past it the request gets
	// 503. Zero: [DefaultIntrospectionTimeout].
	IntrospectionTimeout time.Duration
}

// Introspection modes of [BearerConfig.Introspection], and defaults.
const (
	IntrospectOpaque             = "opaque"
	IntrospectAll                = "all"
	DefaultIntrospectionCacheTTL = time.Minute
	DefaultIntrospectionTimeout  = 5 * time.Second
	maxIntrospectionCacheTTL     = 10 * time.Minute
)

// validateBearer checks pc.Bearer.
func (pc ProviderConfig) validateBearer() []error {
	b := pc.Bearer
	if !b.Enabled {
		if b.Introspection != "" || len(b.Audiences)+len(b.Scopes)+len(b.Types) > 0 || b.IntrospectionURL != "" {
			return []error{errors.New("bearer settings are given but bearer tokens are off (enable them)")}
		}
		return nil
	}
	var errs []error
	if isOAuth2Kind(pc.Kind) && b.Introspection == "" {
		errs = append(errs, fmt.Errorf("bearer: kind %q has no key set to verify tokens with; set an introspection endpoint", pc.Kind))
	}
	switch b.Introspection {
	case "", IntrospectOpaque, IntrospectAll:
	default:
		errs = append(errs, fmt.Errorf("bearer introspection %q: want %q or %q", b.Introspection, IntrospectOpaque, IntrospectAll))
	}
	if b.Introspection != "" && pc.ClientSecret == "" && pc.AppleTeamID == "" && !pc.usesClientKey() {
		errs = append(errs, errors.New("bearer introspection needs a client secret (RFC 7662 calls are client-authenticated)"))
	}
	if b.IntrospectionURL != "" {
		if _, err := parseServiceURL("bearer introspection URL", b.IntrospectionURL); err != nil {
			errs = append(errs, err)
		}
	}
	if b.IntrospectionCacheTTL < 0 || b.IntrospectionCacheTTL > maxIntrospectionCacheTTL {
		errs = append(errs, fmt.Errorf("bearer introspection cache TTL %v: want 0 to %v", b.IntrospectionCacheTTL, maxIntrospectionCacheTTL))
	}
	if b.IntrospectionTimeout < 0 {
		errs = append(errs, fmt.Errorf("bearer introspection timeout %v is negative", b.IntrospectionTimeout))
	}
	for _, list := range [][]string{b.Audiences, b.Scopes, b.Types} {
		if slices.Contains(list, "") {
			errs = append(errs, errors.New("bearer: empty audience, scope or type"))
		}
	}
	return errs
}

// bearerError is a refused bearer request, answered as RFC 6750 §3 says.
type bearerError struct {
	status int
	code   string // invalid_request, invalid_token, insufficient_scope, temporarily_unavailable
	desc   string // for the client: never token contents
	scope  string // insufficient_scope: the scopes needed
	err    error  // logged
}

func (e *bearerError) Error() string { return "rp: bearer token: " + e.code + ": " + errString(e.err) }
func (e *bearerError) Unwrap() error { return e.err }

// errBearer is wrapped by every bearer refusal.
var errBearer = errors.New("bearer token refused")

func invalidBearer(format string, args ...any) *bearerError {
	return &bearerError{status: http.StatusUnauthorized, code: "invalid_token", desc: "The access token is invalid or expired.",
		err: fmt.Errorf("%w: "+format, append([]any{errBearer}, args...)...)}
}

func bearerUnavailable(err error) *bearerError {
	return &bearerError{status: http.StatusServiceUnavailable, code: "temporarily_unavailable",
		desc: "The access token cannot be checked right now. Please try again in a moment.", err: fmt.Errorf("%w: %w", errBearer, err)}
}

// bearerToken reads a request's bearer token (RFC 6750 §2.1). present is false when
// bearer tokens are off or the request has no "Authorization: Bearer"; err is set
// (400 invalid_request) for several Authorization headers or a token that is not
// b64token syntax.
func (p *RP) bearerToken(r *http.Request) (tok string, present bool, err error) {
	if !p.settings.gw.bearer {
		return "", false, nil
	}
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return "", false, nil
	}
	scheme, tok, _ := strings.Cut(vals[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false, nil // Basic and others are the app's
	}
	bad := &bearerError{status: http.StatusBadRequest, code: "invalid_request", desc: "Send one Authorization header with one bearer token."}
	if len(vals) > 1 {
		bad.err = fmt.Errorf("%w: %d Authorization headers", errBearer, len(vals))
		return "", true, bad
	}
	tok = strings.TrimLeft(tok, " ")
	if !isB64Token(tok) {
		bad.err = fmt.Errorf("%w: not b64token syntax", errBearer)
		return "", true, bad
	}
	return tok, true, nil
}

// isB64Token reports whether s is RFC 6750's b64token: 1*(ALPHA / DIGIT / "-" / "." /
// "_" / "~" / "+" / "/") *"=", at most 16 KiB.
func isB64Token(s string) bool {
	if s == "" || len(s) > 16<<10 {
		return false
	}
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

// bearerUser verifies a bearer token and returns its user.
func (p *RP) bearerUser(ctx context.Context, tok string) (*User, error) {
	if payload, ok := jwtPayload(tok); ok {
		var head struct {
			Iss string `json:"iss"`
		}
		if err := json.Unmarshal(payload, &head); err != nil || head.Iss == "" {
			return nil, invalidBearer("JWT payload without iss")
		}
		prov := p.bearerProvider(head.Iss)
		if prov == nil {
			return nil, invalidBearer("iss %q is not a provider with bearer tokens on", truncate(head.Iss, 100))
		}
		m, err := prov.metadata()
		if err != nil {
			return nil, bearerUnavailable(err)
		}
		claims, err := p.verifyBearerJWT(ctx, prov, m, tok)
		if err != nil {
			return nil, err
		}
		if prov.cfg.Bearer.Introspection == IntrospectAll {
			if claims, err = p.introspect(ctx, prov, m, tok); err != nil {
				return nil, err
			}
		}
		return prov.bearerIdentity(claims, tok), nil
	}
	prov := p.providers[p.settings.gw.introspecting]
	if prov == nil {
		return nil, invalidBearer("not a JWT, and no provider introspects opaque tokens")
	}
	m, err := prov.metadata()
	if err != nil {
		return nil, bearerUnavailable(err)
	}
	claims, err := p.introspect(ctx, prov, m, tok)
	if err != nil {
		return nil, err
	}
	return prov.bearerIdentity(claims, tok), nil
}

// jwtPayload returns the decoded payload of a compact JWS (three parts), unverified.
func jwtPayload(tok string) ([]byte, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	return b, err == nil
}

// bearerProvider is the provider with bearer tokens on whose issuer iss is.
func (p *RP) bearerProvider(iss string) *provider {
	for _, id := range p.order {
		prov := p.providers[id]
		if !prov.cfg.Bearer.Enabled {
			continue
		}
		if prov.sessionIssuer(iss) == prov.cfg.Issuer {
			return prov
		}
		// A multi-tenant issuer template: the full check (tid in iss) comes later.
		if m := prov.meta.Load(); m != nil && m.tenantIssuer != nil &&
			strings.HasPrefix(iss, m.tenantIssuer.prefix) && strings.HasSuffix(iss, m.tenantIssuer.suffix) {
			return prov
		}
	}
	return nil
}

// verifyBearerJWT checks a JWT bearer token of prov and returns its claims.
func (p *RP) verifyBearerJWT(ctx context.Context, prov *provider, m *metadata, tok string) (map[string]any, error) {
	if m.keys == nil {
		return nil, invalidBearer("provider %s has no key set", prov.cfg.ID)
	}
	jws, err := jose.ParseSigned(tok, m.keys.algs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, invalidBearer("malformed JWS or algorithm not allowed: %v", err)
	}
	typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string)
	if !typeAllowed(prov.cfg.Bearer.Types, typ) {
		return nil, invalidBearer("typ %q is not allowed", truncate(typ, 40))
	}
	payload, err := m.keys.VerifySignature(ctx, tok)
	switch {
	case errors.Is(err, errNoKey):
		return nil, invalidBearer("signature: %v", err)
	case err != nil:
		// Parsed above already: the key set could not be fetched to look for the key.
		return nil, bearerUnavailable(err)
	}
	claims, err := decodeJSONObject(payload)
	if err != nil {
		return nil, invalidBearer("claims: %v", err)
	}
	if _, ok := claims["events"]; ok {
		return nil, invalidBearer("a logout token (events claim)")
	}
	// iss chose prov (bearerProvider: the issuer exactly, or for a multi-tenant
	// template its shape); the tenant and hosted-domain checks come here.
	iss, _ := claims["iss"].(string)
	if err := prov.checkClaims(m, iss, claims); err != nil {
		return nil, invalidBearer("%v", err)
	}
	if _, ok := numericClaim(claims, "iat"); !ok {
		return nil, invalidBearer("no iat")
	}
	return claims, p.checkBearerClaims(prov, claims, true)
}

// typeAllowed reports whether a JWT typ header is allowed ("" when absent).
func typeAllowed(allowed []string, typ string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimPrefix(strings.ToLower(s), "application/")) }
	if len(allowed) == 0 {
		allowed = []string{"at+jwt"}
	}
	for _, a := range allowed {
		if norm(a) == norm(typ) || (typ == "" && norm(a) == "jwt") {
			return true
		}
	}
	return false
}

// checkBearerClaims checks the claims of a token (a JWT's, or an introspection
// answer's): sub, times, audience and scopes. isJWT requires exp and aud (an
// introspection answer may leave them out; when present they are checked).
func (p *RP) checkBearerClaims(prov *provider, claims map[string]any, isJWT bool) error {
	now, skew := p.settings.Now(), p.settings.ClockSkew
	if sub, _ := claims["sub"].(string); sub == "" {
		return invalidBearer("no sub")
	}
	exp, ok := numericClaim(claims, "exp")
	switch {
	case !ok && isJWT:
		return invalidBearer("no exp")
	case ok && !now.Before(exp.Add(skew)):
		return invalidBearer("expired %v ago", now.Sub(exp))
	}
	if nbf, ok := numericClaim(claims, "nbf"); ok && now.Before(nbf.Add(-skew)) {
		return invalidBearer("nbf %v in the future", nbf.Sub(now))
	}
	if iat, ok := numericClaim(claims, "iat"); ok && iat.After(now.Add(skew)) {
		return invalidBearer("iat %v in the future", iat.Sub(now))
	}
	auds := prov.cfg.Bearer.Audiences
	if len(auds) == 0 {
		auds = []string{prov.cfg.ClientID}
	}
	got := stringList(claims["aud"])
	if isJWT || claims["aud"] != nil {
		if !slices.ContainsFunc(got, func(a string) bool { return slices.Contains(auds, a) }) {
			return invalidBearer("aud %q names none of the accepted audiences", truncate(strings.Join(got, " "), 100))
		}
	}
	if missing := missingScopes(claims, prov.cfg.Bearer.Scopes); len(missing) > 0 {
		return &bearerError{status: http.StatusForbidden, code: "insufficient_scope", scope: strings.Join(prov.cfg.Bearer.Scopes, " "),
			desc: "The access token lacks a scope this needs.", err: fmt.Errorf("%w: scopes %q not granted", errBearer, missing)}
	}
	return nil
}

// numericClaim reads a NumericDate claim (seconds since the epoch).
func numericClaim(claims map[string]any, name string) (time.Time, bool) {
	switch v := claims[name].(type) {
	case float64:
		return time.Unix(int64(v), 0), true
	case json.Number:
		f, err := v.Float64()
		return time.Unix(int64(f), 0), err == nil
	}
	return time.Time{}, false
}

// missingScopes returns the scopes of want not granted by claims' scope (a
// space-separated string) or scp (a string or a list, as Entra and Okta send it).
func missingScopes(claims map[string]any, want []string) []string {
	var granted []string
	for _, name := range []string{"scope", "scp"} {
		switch v := claims[name].(type) {
		case string:
			granted = append(granted, strings.Fields(v)...)
		case []any:
			granted = append(granted, stringList(v)...)
		}
	}
	var missing []string
	for _, s := range want {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// bearerIdentity is the User of a verified bearer token.
func (prov *provider) bearerIdentity(claims map[string]any, tok string) *User {
	u := &User{Provider: prov.cfg.ID, Claims: maps.Clone(claims), accessToken: tok}
	u.Issuer, _ = claims["iss"].(string)
	if u.Issuer == "" {
		u.Issuer = prov.cfg.Issuer
	}
	u.Issuer = prov.sessionIssuer(u.Issuer)
	u.Subject, _ = claims["sub"].(string)
	u.Name, _ = claims["name"].(string)
	u.PreferredUsername, _ = claims["preferred_username"].(string)
	if u.PreferredUsername == "" {
		u.PreferredUsername, _ = claims["username"].(string) // RFC 7662 §2.2
	}
	if verified, _ := claims["email_verified"].(bool); verified {
		u.Email, _ = claims["email"].(string)
	}
	if paths := prov.groupsPaths(); paths != nil {
		u.Groups = groupsFrom(claims, paths)
	} else {
		u.Groups = stringList(claims["groups"])
	}
	if u.Groups == nil {
		u.Groups = []string{}
	}
	if exp, ok := numericClaim(claims, "exp"); ok {
		u.ExpiresAt = exp
	}
	return u
}
