package mockidp

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// issue mints the access token (RFC 9068 JWT), optionally a rotated
// refresh token and, for the openid scope, an ID token for g, records them
// and returns the token response. Signing happens outside the lock.
func (p *Provider) issue(iss string, c *Client, g *grant, scopes []string, withRefresh bool, nonce string, fault *Fault) (*tokenResponse, error) {
	now := p.Now()
	key := p.liveKeys().current
	reqIss, iss := iss, p.tokenIssuer(iss, g)
	at := &accessToken{grant: g, jti: randomToken()[:22], scopes: scopes, issued: now, expires: now.Add(p.cfg.AccessTokenTTL)}
	atClaims := map[string]any{
		"iss": iss, "sub": g.user.Subject, "aud": c.ID, "client_id": c.ID,
		"iat": now.Unix(), "exp": at.expires.Unix(), "jti": at.jti,
	}
	if len(scopes) > 0 {
		atClaims["scope"] = strings.Join(scopes, " ")
	}
	if !g.authTime.IsZero() {
		atClaims["auth_time"] = g.authTime.Unix()
	}
	if g.sid != "" {
		atClaims["sid"] = g.sid
	}
	p.personaClaims(atClaims, reqIss, c, g, false)
	for k, v := range g.extra {
		switch {
		case slices.Contains(protectedClaims, k):
		case v == nil:
			delete(atClaims, k)
		default:
			atClaims[k] = v
		}
	}
	access, err := key.sign(typAccess, atClaims)
	if err != nil {
		return nil, err
	}
	resp := &tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(p.cfg.AccessTokenTTL / time.Second),
		Scope: strings.Join(scopes, " ")}
	if slices.Contains(scopes, "openid") && !g.machine && !(fault != nil && fault.OmitIDToken) {
		claims := p.idTokenClaims(iss, c, g, scopes, nonce, now)
		p.personaClaims(claims, reqIss, c, g, true)
		claims["at_hash"] = key.atHash(access)
		if resp.IDToken, err = p.signIDToken(key, c, claims, fault); err != nil {
			return nil, err
		}
	}
	var rt *refreshToken
	if withRefresh {
		resp.RefreshToken = randomToken()
		rt = &refreshToken{grant: g, scopes: g.scopes, expires: now.Add(p.cfg.RefreshTokenTTL)}
	}
	p.mu.Lock()
	p.access[keyOf(access)] = at
	if rt != nil {
		p.refresh[resp.RefreshToken] = rt
	}
	p.noteInsertLocked(now)
	p.mu.Unlock()
	p.personaTokenResponse(resp, g)
	return resp, nil
}

// idTokenClaims builds the ID token (OpenID Connect Core 2): the user's
// claims for the granted scopes, then the protocol claims over them.
func (p *Provider) idTokenClaims(iss string, c *Client, g *grant, scopes []string, nonce string, now time.Time) map[string]any {
	claims := scopedClaims(g.user, scopes)
	claims["iss"] = iss
	claims["sub"] = g.user.Subject
	claims["aud"] = c.ID
	claims["azp"] = c.ID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(p.cfg.IDTokenTTL).Unix()
	claims["auth_time"] = g.authTime.Unix()
	claims["sid"] = g.sid
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return claims
}

// scopedClaims returns the user's claims released by scopes: email and
// email_verified for "email", groups for "groups", everything else (groups
// included) for "profile".
func scopedClaims(u User, scopes []string) map[string]any {
	claims := map[string]any{}
	for k, v := range u.Claims {
		var scope string
		switch k {
		case "email", "email_verified":
			scope = "email"
		case "groups":
			if slices.Contains(scopes, "groups") {
				scope = "groups"
			} else {
				scope = "profile"
			}
		default:
			scope = "profile"
		}
		if slices.Contains(scopes, scope) {
			claims[k] = v
		}
	}
	claims["sub"] = u.Subject
	return claims
}

// atHash is the at_hash of an access token: the left half of its hash,
// base64url-encoded (OpenID Connect Core 3.1.3.6).
func (k *signingKey) atHash(access string) string {
	h := k.hashForAtHash().New()
	h.Write([]byte(access))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// signIDToken signs claims, applying the fault's claim overrides and
// signing misbehaviour.
func (p *Provider) signIDToken(key *signingKey, c *Client, claims map[string]any, fault *Fault) (string, error) {
	if fault == nil {
		return key.sign(typJWT, claims)
	}
	applyClaims(claims, fault.IDTokenClaims)
	now := p.Now()
	for k, d := range fault.IDTokenTimes {
		claims[k] = now.Add(d).Unix()
	}
	return p.signFaulty(key, c, typJWT, claims, fault.IDTokenSigning)
}

// signFaulty signs claims as a JWT of type typ the way signing (one of the
// Signing* constants, or "" for a correct signature) asks.
func (p *Provider) signFaulty(key *signingKey, c *Client, typ string, claims map[string]any, signing string) (string, error) {
	switch signing {
	case SigningBadSignature:
		tok, err := key.sign(typ, claims)
		if err != nil {
			return "", err
		}
		return corruptSignature(tok), nil
	case SigningNone:
		return unsignedJWT(map[string]any{"alg": "none", "typ": typ}, claims, nil)
	case SigningUnknownKey:
		k, err := p.unknownKey()
		if err != nil {
			return "", err
		}
		return k.sign(typ, claims)
	case SigningNoKID:
		return key.sign(typ+noKID, claims)
	case SigningHS256ClientSecret:
		secret := c.Secret
		if c.isPublic() {
			secret = c.ID
		}
		return unsignedJWT(map[string]any{"alg": "HS256", "typ": typ}, claims, []byte(secret))
	}
	return key.sign(typ, claims)
}

// corruptSignature flips bits of the last signature byte of a compact JWS.
func corruptSignature(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(sig) == 0 {
		return tok + "x"
	}
	sig[len(sig)-1] ^= 0xff
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// unsignedJWT builds a compact JWT by hand, for the deliberately broken
// "none" and HS256-with-client-secret faults only: with a nil hmacKey the
// signature is empty, else it is HMAC-SHA256.
func unsignedJWT(header, claims map[string]any, hmacKey []byte) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("marshal header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	if hmacKey == nil {
		return input + ".", nil
	}
	m := hmac.New(sha256.New, hmacKey)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

// replacesToken reports whether the fault replaces the token response.
func (f *Fault) replacesToken() bool {
	return f != nil && (f.TokenStatus != 0 || f.TokenError != "" || f.TokenBody != "")
}

// takeFault takes the first queued fault of kind that matches s and waits
// its Delay. When the fault replaces the endpoint's answer (its status,
// error and body fields, see [Fault.answer]), takeFault writes that answer
// and returns errAnswered.
func (p *Provider) takeFault(w http.ResponseWriter, r *http.Request, kind faultKind, s faultScope) (*Fault, error) {
	f := p.faults.take(kind, s)
	f.sleep(r.Context())
	if a := f.answer(kind); a != nil {
		writeFaultyToken(w, a)
		return nil, errAnswered
	}
	return f, nil
}

// answer is the token-style answer (see writeFaultyToken) that f's status,
// error and body fields for the endpoint of kind ask for, or nil. A body
// alone is sent with that endpoint's success status.
func (f *Fault) answer(kind faultKind) *Fault {
	if f == nil {
		return nil
	}
	var a Fault
	ok := http.StatusOK
	switch kind {
	case faultRevoke:
		a = Fault{TokenStatus: f.RevokeStatus, TokenError: f.RevokeError, TokenBody: f.RevokeBody}
	case faultPAR:
		a, ok = Fault{TokenStatus: f.PARStatus, TokenError: f.PARError, TokenBody: f.PARBody}, http.StatusCreated
	case faultDevice:
		a = Fault{TokenStatus: f.DeviceStatus, TokenError: f.DeviceError, TokenBody: f.DeviceBody}
	default:
		return nil
	}
	if !a.replacesToken() {
		return nil
	}
	if a.TokenStatus == 0 && a.TokenBody != "" {
		a.TokenStatus = ok
	}
	return &a
}

// writeFaultyToken writes the token response a fault asks for.
func writeFaultyToken(w http.ResponseWriter, f *Fault) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if f.TokenBody != "" || (f.TokenStatus != 0 && f.TokenStatus < 400 && f.TokenError == "") {
		ct := f.TokenContentType
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
		w.WriteHeader(cmp.Or(f.TokenStatus, http.StatusOK))
		_, _ = w.Write([]byte(f.TokenBody))
		return
	}
	code := f.TokenError
	if code == "" {
		code = errInvalidRequest
		if f.TokenStatus >= 500 {
			code = errServerError
		}
	}
	status := f.TokenStatus
	if status == 0 {
		status = newError(code, "").Status
	}
	if code == errInvalidClient {
		h.Set("WWW-Authenticate", `Basic realm="mockidp"`)
	}
	if f.TokenContentType != "" {
		h.Set("Content-Type", f.TokenContentType)
	}
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": "injected fault"})
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Mint signs claims, taken as given, as a JWT (typ "JWT") with the current
// signing key and its kid, e.g. to test how a relying party handles an
// expired or foreign-audience token.
func (p *Provider) Mint(claims map[string]any) (string, error) {
	return p.liveKeys().current.sign(typJWT, claims)
}
