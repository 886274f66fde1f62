package mockidp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Values of [Fault.IDTokenSigning].
const (
	// SigningBadSignature signs correctly, then corrupts the signature.
	SigningBadSignature = "bad-signature"
	// SigningNone sends an unsigned token with "alg":"none".
	SigningNone = "none"
	// SigningUnknownKey signs with a freshly generated key that the JWKS
	// does not publish.
	SigningUnknownKey = "unknown-key"
	// SigningNoKID signs with the published key but omits the kid header.
	SigningNoKID = "no-kid"
	// SigningHS256ClientSecret signs with HS256 using the client secret as
	// the HMAC key (the client ID for public clients).
	SigningHS256ClientSecret = "hs256-client-secret"
)

// Values of [Fault.AuthState] and [Fault.AuthIss] that remove the parameter.
const FaultOmit = "omit"

// Fault makes the next Times (0 means 1) matching responses misbehave, so
// that a relying party's error paths can be tested. A fault matches by
// ClientID and by LoginHint ("" matches any), so parallel tests sharing one
// provider never see each other's faults as long as each uses its own
// client or login_hint: there is no global queue.
//
// One Fault may touch several endpoints; each endpoint counts its own Times.
// The token endpoint is touched by the ID token and token fields (or by
// Delay alone), userinfo by the Userinfo fields, the authorization
// response by the Auth fields, discovery and /jwks by their fields, every
// other endpoint by the fields named after it (EndSession, Revoke,
// Introspect, LogoutToken, PAR, Device). Delay applies to every endpoint
// touched. Discovery and /jwks requests name
// neither client nor login_hint, so their faults match only when ClientID
// and LoginHint are both "" (a scoped fault never touches them); to keep
// such faults apart, give each test its own provider ([NewTestServer] or
// [NewMulti]).
//
// Faults decode from JSON (the control API's POST /_mock/faults) with the
// snake_case member names of the field tags and the durations (Delay,
// DeviceInterval, DeviceExpiresIn, the offsets of the *Times maps) as Go
// duration strings such as "2s"; unknown members are errors.
type Fault struct {
	// ClientID limits the fault to one client; "" matches any client.
	ClientID string `json:"client_id,omitempty"`
	// LoginHint limits the fault to sign-ins whose authorization request
	// carried this login_hint; "" matches any. The hint stays attached to
	// the code, the tokens and refreshes of that sign-in, so token and
	// userinfo faults match it too.
	LoginHint string `json:"login_hint,omitempty"`
	// Times is how many responses of each touched endpoint misbehave; 0 means 1.
	Times int `json:"times,omitempty"`

	// IDTokenClaims overrides ID token claims; a nil value deletes the
	// claim (e.g. {"iat": nil}, {"nonce": "x"}, {"aud": []string{"demo", "other"}}).
	IDTokenClaims map[string]any `json:"id_token_claims,omitempty"`
	// IDTokenSigning is "" or one of the Signing* constants.
	IDTokenSigning string `json:"id_token_signing,omitempty"`
	// IDTokenTimes sets time claims (exp, iat, nbf, auth_time, ...) to the
	// issue time plus an offset, e.g. {"exp": -10 * time.Minute} (expired
	// ten minutes ago) or {"iat": time.Hour} (issued in the future), so a
	// test need not know the provider's clock. It is applied after
	// IDTokenClaims. In JSON the offsets are duration strings ("-10m").
	IDTokenTimes map[string]time.Duration `json:"-"`
	// OmitIDToken leaves id_token out of the token response.
	OmitIDToken bool `json:"omit_id_token,omitempty"`
	// Refresh limits the token endpoint part of the fault to refresh_token
	// grants (the ID token faults then apply to the refreshed ID token).
	Refresh bool `json:"refresh,omitempty"`

	// TokenStatus, TokenError, TokenBody and TokenContentType replace the
	// token response: TokenBody is sent as is (TokenContentType, default
	// application/json); else TokenError is sent as an RFC 6749 error.
	// TokenStatus defaults to 200 with a body and 400 with an error; a
	// status alone sends a matching error. The request is not processed
	// (a code is not consumed).
	TokenStatus      int    `json:"token_status,omitempty"`
	TokenError       string `json:"token_error,omitempty"`
	TokenBody        string `json:"token_body,omitempty"`
	TokenContentType string `json:"token_content_type,omitempty"`
	// Delay waits before answering (or until the request is cancelled).
	Delay time.Duration `json:"-"`

	// UserinfoClaims overrides userinfo claims (a nil value deletes).
	UserinfoClaims map[string]any `json:"userinfo_claims,omitempty"`
	// UserinfoStatus and UserinfoBody replace the userinfo response.
	UserinfoStatus int    `json:"userinfo_status,omitempty"`
	UserinfoBody   string `json:"userinfo_body,omitempty"`

	// AuthState is "" (unchanged), [FaultOmit], or a state to send instead.
	AuthState string `json:"auth_state,omitempty"`
	// AuthIss is "" (unchanged), [FaultOmit], or an iss to send instead.
	AuthIss string `json:"auth_iss,omitempty"`
	// AuthError sends this error (e.g. "access_denied", "server_error")
	// to the redirect URI instead of a code.
	AuthError string `json:"auth_error,omitempty"`

	// DiscoveryClaims overrides members of the discovery document (a nil
	// value deletes), e.g. {"issuer": "https://other.example"}.
	DiscoveryClaims map[string]any `json:"discovery_claims,omitempty"`
	// DiscoveryStatus and DiscoveryBody replace the discovery response.
	DiscoveryStatus int    `json:"discovery_status,omitempty"`
	DiscoveryBody   string `json:"discovery_body,omitempty"`
	// JWKSStatus and JWKSBody replace the /jwks response (e.g. 500, or a
	// body that is not a key set).
	JWKSStatus int    `json:"jwks_status,omitempty"`
	JWKSBody   string `json:"jwks_body,omitempty"`
	// JWKSNoKID serves /jwks with the kid member removed from every key
	// (OIDF kid-absent-single-jwks / kid-absent-multiple-jwks; pair it
	// with [SigningNoKID] on the ID token).
	JWKSNoKID bool `json:"jwks_no_kid,omitempty"`
	// JWKSExtraKeys adds that many decoy public keys of the provider's
	// algorithm to /jwks after the real ones. They never sign anything, so
	// a relying party facing a token without kid must try every key. The
	// decoys are generated on first use (tens of milliseconds each for RSA)
	// and kept.
	JWKSExtraKeys int `json:"jwks_extra_keys,omitempty"`

	// EndSessionStatus and EndSessionBody replace the end_session answer
	// (an error page, by default status 500) and end no session.
	EndSessionStatus int    `json:"end_session_status,omitempty"`
	EndSessionBody   string `json:"end_session_body,omitempty"`
	// EndSessionState is "" (unchanged), [FaultOmit], or a state to send
	// back to the post-logout redirect URI instead.
	EndSessionState string `json:"end_session_state,omitempty"`
	// EndSessionRedirect sends the browser there after logout instead of
	// the registered post_logout_redirect_uri (the session still ends).
	EndSessionRedirect string `json:"end_session_redirect,omitempty"`

	// RevokeStatus, RevokeError and RevokeBody replace the revocation
	// response (as the Token* fields do for the token endpoint); the token
	// is not revoked.
	RevokeStatus int    `json:"revoke_status,omitempty"`
	RevokeError  string `json:"revoke_error,omitempty"`
	RevokeBody   string `json:"revoke_body,omitempty"`

	// IntrospectInactive answers {"active": false} for any token.
	IntrospectInactive bool `json:"introspect_inactive,omitempty"`
	// IntrospectClaims overrides members of the introspection response of
	// an active token (a nil value deletes).
	IntrospectClaims map[string]any `json:"introspect_claims,omitempty"`
	// IntrospectStatus and IntrospectBody replace the introspection
	// response (e.g. a body that is not JSON).
	IntrospectStatus int    `json:"introspect_status,omitempty"`
	IntrospectBody   string `json:"introspect_body,omitempty"`

	// PARStatus, PARError and PARBody replace the pushed authorization
	// request response (RFC 9126 2.2, 2.3) as the Token* fields do for the
	// token endpoint, except that a body alone is sent with 201, the
	// endpoint's success status; nothing is pushed. A PAR fault scoped by
	// LoginHint matches the login_hint among the pushed parameters.
	PARStatus int    `json:"par_status,omitempty"`
	PARError  string `json:"par_error,omitempty"`
	PARBody   string `json:"par_body,omitempty"`
	// PARUnknownRequestURI answers a valid pushed request as usual (201,
	// request_uri, expires_in) but forgets it, so that /authorize refuses
	// the request_uri as unknown, with an error page.
	PARUnknownRequestURI bool `json:"par_unknown_request_uri,omitempty"`

	// DeviceStatus, DeviceError and DeviceBody replace the device
	// authorization response (RFC 8628 3.2) as the Token* fields do for the
	// token endpoint; no device code is issued. Polling errors
	// (authorization_pending, slow_down, access_denied, expired_token) are
	// TokenError faults of the token endpoint.
	DeviceStatus int    `json:"device_status,omitempty"`
	DeviceError  string `json:"device_error,omitempty"`
	DeviceBody   string `json:"device_body,omitempty"`
	// DeviceInterval and DeviceExpiresIn replace the polling interval and
	// the lifetime of the device code issued (Config.DeviceInterval and
	// Config.DeviceCodeTTL), both announced and enforced, e.g. a lifetime
	// of 1s to reach expired_token quickly. In JSON they are duration
	// strings ("30s"); the control API wants whole seconds.
	DeviceInterval  time.Duration `json:"-"`
	DeviceExpiresIn time.Duration `json:"-"`

	// LogoutTokenClaims overrides claims of the back-channel logout tokens
	// sent to the client (a nil value deletes), e.g. {"events": nil},
	// {"nonce": "n"}, {"aud": "other"}.
	LogoutTokenClaims map[string]any `json:"logout_token_claims,omitempty"`
	// LogoutTokenTimes sets time claims of the logout token to the sending
	// time plus an offset, e.g. {"iat": -time.Hour}. In JSON the offsets
	// are duration strings.
	LogoutTokenTimes map[string]time.Duration `json:"-"`
	// LogoutTokenSigning is "" or one of the Signing* constants.
	LogoutTokenSigning string `json:"logout_token_signing,omitempty"`
	// LogoutTokenReplayJTI reuses the jti of the previous logout token sent
	// to the same client.
	LogoutTokenReplayJTI bool `json:"logout_token_replay_jti,omitempty"`
	// LogoutTokenOtherSID puts the sid of another live session (of another
	// user when there is one) in the logout token, keeping sub.
	LogoutTokenOtherSID bool `json:"logout_token_other_sid,omitempty"`
}

type faultKind int

const (
	faultAuthorize faultKind = iota
	faultToken
	faultUserinfo
	faultDiscovery
	faultJWKS
	faultEndSession
	faultRevoke
	faultIntrospect
	faultLogoutToken
	faultPAR
	faultDevice
)

type faultEntry struct {
	kind faultKind
	left int
	f    Fault
}

// faultQueue holds injected faults in the order they were injected. A
// request takes the first fault that matches it, so faults scoped to
// different clients or login hints never meet.
type faultQueue struct {
	mu      sync.Mutex
	entries []*faultEntry
}

// faultScope is what a request says about itself for fault matching.
type faultScope struct {
	clientID  string
	loginHint string
	refresh   bool // a refresh_token grant
}

// InjectFault queues f; see [Fault]. Values that make no sense (an unknown
// IDTokenSigning, a negative Times) are used as given; the control API
// refuses them with 400.
func (p *Provider) InjectFault(f Fault) {
	times := max(f.Times, 1)
	kinds := f.kinds()
	p.faults.mu.Lock()
	defer p.faults.mu.Unlock()
	for _, k := range kinds {
		p.faults.entries = append(p.faults.entries, &faultEntry{kind: k, left: times, f: f})
	}
}

// ClearFaults removes every queued fault.
func (p *Provider) ClearFaults() {
	p.faults.mu.Lock()
	defer p.faults.mu.Unlock()
	p.faults.entries = nil
}

// kinds lists the endpoints f touches.
func (f *Fault) kinds() []faultKind {
	var kinds []faultKind
	if f.AuthState != "" || f.AuthIss != "" || f.AuthError != "" {
		kinds = append(kinds, faultAuthorize)
	}
	token := f.IDTokenClaims != nil || f.IDTokenTimes != nil || f.IDTokenSigning != "" || f.OmitIDToken || f.TokenStatus != 0 ||
		f.TokenError != "" || f.TokenBody != "" || f.TokenContentType != ""
	userinfo := f.UserinfoClaims != nil || f.UserinfoStatus != 0 || f.UserinfoBody != ""
	discovery := f.DiscoveryClaims != nil || f.DiscoveryStatus != 0 || f.DiscoveryBody != ""
	jwks := f.JWKSStatus != 0 || f.JWKSBody != "" || f.JWKSNoKID || f.JWKSExtraKeys > 0
	endSession := f.EndSessionStatus != 0 || f.EndSessionBody != "" || f.EndSessionState != "" || f.EndSessionRedirect != ""
	revoke := f.RevokeStatus != 0 || f.RevokeError != "" || f.RevokeBody != ""
	introspect := f.IntrospectInactive || f.IntrospectClaims != nil || f.IntrospectStatus != 0 || f.IntrospectBody != ""
	logout := f.LogoutTokenClaims != nil || f.LogoutTokenTimes != nil || f.LogoutTokenSigning != "" || f.LogoutTokenReplayJTI ||
		f.LogoutTokenOtherSID
	par := f.PARStatus != 0 || f.PARError != "" || f.PARBody != "" || f.PARUnknownRequestURI
	device := f.DeviceStatus != 0 || f.DeviceError != "" || f.DeviceBody != "" || f.DeviceInterval != 0 || f.DeviceExpiresIn != 0
	others := userinfo || discovery || jwks || endSession || revoke || introspect || logout || par || device
	if token || (len(kinds) == 0 && !others && f.Delay > 0) {
		kinds = append(kinds, faultToken)
	}
	if userinfo {
		kinds = append(kinds, faultUserinfo)
	}
	if discovery {
		kinds = append(kinds, faultDiscovery)
	}
	if jwks {
		kinds = append(kinds, faultJWKS)
	}
	for _, k := range []struct {
		on   bool
		kind faultKind
	}{{endSession, faultEndSession}, {revoke, faultRevoke}, {introspect, faultIntrospect}, {logout, faultLogoutToken},
		{par, faultPAR}, {device, faultDevice}} {
		if k.on {
			kinds = append(kinds, k.kind)
		}
	}
	return kinds
}

// check reports the problems of a fault received by the control API.
func (f *Fault) check() error {
	var errs []error
	for _, sg := range []struct{ name, v string }{{"id_token_signing", f.IDTokenSigning}, {"logout_token_signing", f.LogoutTokenSigning}} {
		switch sg.v {
		case "", SigningBadSignature, SigningNone, SigningUnknownKey, SigningNoKID, SigningHS256ClientSecret:
		default:
			errs = append(errs, fmt.Errorf("%s %q: want one of %q, %q, %q, %q, %q", sg.name, sg.v,
				SigningBadSignature, SigningNone, SigningUnknownKey, SigningNoKID, SigningHS256ClientSecret))
		}
	}
	if f.EndSessionRedirect != "" {
		if u, err := url.Parse(f.EndSessionRedirect); err != nil || !u.IsAbs() {
			errs = append(errs, errors.New("end_session_redirect must be an absolute URL"))
		}
	}
	if f.Times < 0 {
		errs = append(errs, errors.New("times must not be negative"))
	}
	if f.Delay < 0 {
		errs = append(errs, errors.New("delay must not be negative"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"device_interval", f.DeviceInterval}, {"device_expires_in", f.DeviceExpiresIn}} {
		if d.v < 0 || d.v%time.Second != 0 {
			errs = append(errs, fmt.Errorf("%s %v: want whole seconds, not negative", d.name, d.v))
		}
	}
	if f.JWKSExtraKeys < 0 || f.JWKSExtraKeys > maxDecoyKeys {
		errs = append(errs, fmt.Errorf("jwks_extra_keys must be 0 to %d", maxDecoyKeys))
	}
	for _, st := range []struct {
		name string
		v    int
	}{{"token_status", f.TokenStatus}, {"userinfo_status", f.UserinfoStatus}, {"discovery_status", f.DiscoveryStatus},
		{"jwks_status", f.JWKSStatus}, {"end_session_status", f.EndSessionStatus}, {"revoke_status", f.RevokeStatus},
		{"introspect_status", f.IntrospectStatus}, {"par_status", f.PARStatus}, {"device_status", f.DeviceStatus}} {
		if st.v != 0 && (st.v < 200 || st.v > 599) {
			errs = append(errs, fmt.Errorf("%s %d: want 200 to 599", st.name, st.v))
		}
	}
	scoped := f.ClientID != "" || f.LoginHint != ""
	for _, k := range f.kinds() {
		if scoped && (k == faultDiscovery || k == faultJWKS) {
			errs = append(errs, errors.New("discovery and jwks faults cannot be scoped to a client_id or login_hint (those requests name neither)"))
			break
		}
	}
	if len(f.kinds()) == 0 {
		errs = append(errs, errors.New("the fault changes nothing"))
	}
	return errors.Join(errs...)
}

// take returns the first queued fault of kind that matches s and counts
// it, or nil. Discovery and /jwks requests pass an empty scope and match
// only unscoped faults.
func (q *faultQueue) take(kind faultKind, s faultScope) *Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.kind != kind || (e.f.ClientID != "" && e.f.ClientID != s.clientID) ||
			(e.f.LoginHint != "" && e.f.LoginHint != s.loginHint) {
			continue
		}
		if kind == faultToken && e.f.Refresh && !s.refresh {
			continue
		}
		e.left--
		if e.left <= 0 {
			q.entries = append(q.entries[:i:i], q.entries[i+1:]...)
		}
		f := e.f
		return &f
	}
	return nil
}

// sleep waits for f.Delay or until ctx ends.
func (f *Fault) sleep(ctx context.Context) {
	if f == nil || f.Delay <= 0 {
		return
	}
	t := time.NewTimer(f.Delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// applyClaims overrides claims with over; a nil value deletes the claim.
func applyClaims(claims, over map[string]any) {
	for k, v := range over {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
}

// writeRaw writes a fault's replacement body with status (default 200).
func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(cmp.Or(status, http.StatusOK))
	_, _ = w.Write([]byte(body))
}
