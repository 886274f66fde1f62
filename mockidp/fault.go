package mockidp

import (
	"cmp"
	"context"
	"net/http"
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
// that a relying party's error paths can be tested. Faults are kept per
// ClientID ("" matches any client), so parallel tests using different
// clients never see each other's faults.
//
// One Fault may touch several endpoints; each endpoint counts its own Times.
// The token endpoint is touched by the ID token and token fields (or by
// Delay alone), userinfo by the Userinfo fields, the authorization
// response by the Auth fields, discovery and /jwks by their fields. Delay
// applies to every endpoint touched. Discovery and /jwks requests name no
// client, so their faults match only when ClientID is "".
type Fault struct {
	// ClientID limits the fault to one client; "" matches any client.
	ClientID string
	// Times is how many responses of each touched endpoint misbehave; 0 means 1.
	Times int

	// IDTokenClaims overrides ID token claims; a nil value deletes the
	// claim (e.g. {"iat": nil}, {"nonce": "x"}, {"aud": []string{"demo", "other"}}).
	IDTokenClaims map[string]any
	// IDTokenSigning is "" or one of the Signing* constants.
	IDTokenSigning string
	// OmitIDToken leaves id_token out of the token response.
	OmitIDToken bool
	// Refresh limits the token endpoint part of the fault to refresh_token
	// grants (the ID token faults then apply to the refreshed ID token).
	Refresh bool

	// TokenStatus, TokenError, TokenBody and TokenContentType replace the
	// token response: TokenBody is sent as is (TokenContentType, default
	// application/json); else TokenError is sent as an RFC 6749 error.
	// TokenStatus defaults to 200 with a body and 400 with an error; a
	// status alone sends a matching error. The request is not processed
	// (a code is not consumed).
	TokenStatus      int
	TokenError       string
	TokenBody        string
	TokenContentType string
	// Delay waits before answering (or until the request is cancelled).
	Delay time.Duration

	// UserinfoClaims overrides userinfo claims (a nil value deletes).
	UserinfoClaims map[string]any
	// UserinfoStatus and UserinfoBody replace the userinfo response.
	UserinfoStatus int
	UserinfoBody   string

	// AuthState is "" (unchanged), [FaultOmit], or a state to send instead.
	AuthState string
	// AuthIss is "" (unchanged), [FaultOmit], or an iss to send instead.
	AuthIss string
	// AuthError sends this error (e.g. "access_denied", "server_error")
	// to the redirect URI instead of a code.
	AuthError string

	// DiscoveryClaims overrides members of the discovery document (a nil
	// value deletes), e.g. {"issuer": "https://other.example"}.
	DiscoveryClaims map[string]any
	// DiscoveryStatus and DiscoveryBody replace the discovery response.
	DiscoveryStatus int
	DiscoveryBody   string
	// JWKSStatus and JWKSBody replace the /jwks response (e.g. 500, or a
	// body that is not a key set).
	JWKSStatus int
	JWKSBody   string
}

type faultKind int

const (
	faultAuthorize faultKind = iota
	faultToken
	faultUserinfo
	faultDiscovery
	faultJWKS
)

type faultEntry struct {
	kind faultKind
	left int
	f    Fault
}

// faultQueue holds injected faults in the order they were injected.
type faultQueue struct {
	mu      sync.Mutex
	entries []*faultEntry
}

// InjectFault queues f; see [Fault].
func (p *Provider) InjectFault(f Fault) {
	times := max(f.Times, 1)
	var kinds []faultKind
	if f.AuthState != "" || f.AuthIss != "" || f.AuthError != "" {
		kinds = append(kinds, faultAuthorize)
	}
	token := f.IDTokenClaims != nil || f.IDTokenSigning != "" || f.OmitIDToken || f.TokenStatus != 0 ||
		f.TokenError != "" || f.TokenBody != "" || f.TokenContentType != ""
	userinfo := f.UserinfoClaims != nil || f.UserinfoStatus != 0 || f.UserinfoBody != ""
	discovery := f.DiscoveryClaims != nil || f.DiscoveryStatus != 0 || f.DiscoveryBody != ""
	jwks := f.JWKSStatus != 0 || f.JWKSBody != ""
	if token || (len(kinds) == 0 && !userinfo && !discovery && !jwks && f.Delay > 0) {
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
	p.faults.mu.Lock()
	defer p.faults.mu.Unlock()
	for _, k := range kinds {
		p.faults.entries = append(p.faults.entries, &faultEntry{kind: k, left: times, f: f})
	}
}

// take returns the first queued fault of kind for clientID and counts it,
// or nil. refresh tells whether a token request is a refresh_token grant.
func (q *faultQueue) take(kind faultKind, clientID string, refresh bool) *Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range q.entries {
		if e.kind != kind || (e.f.ClientID != "" && e.f.ClientID != clientID) {
			continue
		}
		if kind == faultToken && e.f.Refresh && !refresh {
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
