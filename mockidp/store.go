package mockidp

import (
	"crypto/sha256"
	"time"
)

// grant is what one sign-in (or one client_credentials request) granted a
// client: every access and refresh token issued from it points here, so
// revoking the grant revokes them all (code replay, refresh token reuse,
// revocation of a refresh token, end of the browser session). Fields other
// than revoked are set once before the grant is shared.
type grant struct {
	clientID  string
	user      User // Subject is the client ID for client_credentials
	scopes    []string
	nonce     string
	authTime  time.Time
	sid       string // browser session ID; "" for client_credentials
	loginHint string // login_hint of the authorization request, for fault matching
	// extra are claims laid over the access token's (client_credentials
	// claims; aud and act of a token exchange); protectedClaims excepted.
	extra   map[string]any
	machine bool // token exchange, JWT bearer: no ID token
	revoked bool // guarded by Provider.mu
}

// protectedClaims are access token claims that extra claims never replace.
var protectedClaims = []string{"iss", "exp", "iat", "jti", "client_id"}

// authCode is an authorization code waiting to be redeemed.
type authCode struct {
	grant       *grant
	redirectURI string
	challenge   string
	method      string // "S256" or "plain" when challenge != ""
	expires     time.Time
	used        bool // guarded by Provider.mu
}

// accessToken is an issued access token.
type accessToken struct {
	grant   *grant
	jti     string
	scopes  []string
	issued  time.Time
	expires time.Time
	revoked bool // guarded by Provider.mu
}

// refreshToken is an issued refresh token; rotated once it was redeemed.
type refreshToken struct {
	grant   *grant
	scopes  []string
	expires time.Time
	rotated bool // guarded by Provider.mu
}

// browserSession is the provider's sign-in state for one browser.
type browserSession struct {
	iss      string // the issuer the browser signed in at
	sid      string
	user     User
	authTime time.Time
	expires  time.Time
	clients  map[string]bool // clients that received a code in this session; guarded by Provider.mu
	ended    bool            // guarded by Provider.mu
}

// Sweeps of expired entries happen at most every sweepEvery insertions and
// sweepInterval of provider time, so their cost stays small per request.
const (
	sweepEvery    = 512
	sweepInterval = time.Minute
)

// noteInsertLocked counts an insertion and now and then drops expired
// entries so that a long-running provider does not grow without bound.
// p.mu must be held.
func (p *Provider) noteInsertLocked(now time.Time) {
	p.inserts++
	if p.inserts%sweepEvery != 0 || now.Before(p.nextSweep) {
		return
	}
	p.nextSweep = now.Add(sweepInterval)
	for k, c := range p.codes {
		if now.After(c.expires) {
			delete(p.codes, k)
		}
	}
	for k, a := range p.access {
		if now.After(a.expires) {
			delete(p.access, k)
		}
	}
	for k, r := range p.refresh {
		if now.After(r.expires) {
			delete(p.refresh, k)
		}
	}
	for k, s := range p.sessions {
		if now.After(s.expires) || s.ended {
			delete(p.sessions, k)
			delete(p.bySID, s.sid)
		}
	}
	for k, a := range p.pending {
		if now.After(a.expires) {
			delete(p.pending, k)
		}
	}
	for k, d := range p.devices {
		if now.After(d.expires) {
			delete(p.devices, k)
			delete(p.userCodes, d.userCode)
		}
	}
	for k, pa := range p.pushed {
		if now.After(pa.expires) {
			delete(p.pushed, k)
		}
	}
}

// revokeSIDLocked revokes every grant of the browser session sid. p.mu
// must be held.
func (p *Provider) revokeSIDLocked(sid string) {
	for _, r := range p.refresh {
		if r.grant.sid == sid {
			r.grant.revoked = true
		}
	}
	for _, a := range p.access {
		if a.grant.sid == sid {
			a.grant.revoked = true
		}
	}
}

// tokenKey is the SHA-256 digest of a token, used as map key for access
// tokens (JWTs of about a kilobyte).
type tokenKey [sha256.Size]byte

func keyOf(tok string) tokenKey { return sha256.Sum256([]byte(tok)) }
