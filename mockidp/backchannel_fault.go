package mockidp

import "time"

// signLogoutToken signs a logout token for client c about session s,
// first applying the fault's changes: claims, times, a replayed jti, the
// sid of another session, a broken signature. It remembers the jti sent to
// c for the next replay fault.
func (p *Provider) signLogoutToken(c *Client, s *browserSession, claims map[string]any, fault *Fault, now time.Time) (string, error) {
	p.mu.Lock()
	prevJTI := p.lastLogoutJTI[c.ID]
	if fault != nil && fault.LogoutTokenOtherSID {
		claims["sid"] = p.otherSIDLocked(s, now)
	}
	p.mu.Unlock()
	if fault != nil {
		if fault.LogoutTokenReplayJTI && prevJTI != "" {
			claims["jti"] = prevJTI
		}
		applyClaims(claims, fault.LogoutTokenClaims)
		for k, d := range fault.LogoutTokenTimes {
			claims[k] = now.Add(d).Unix()
		}
	}
	if jti, ok := claims["jti"].(string); ok {
		p.mu.Lock()
		p.lastLogoutJTI[c.ID] = jti
		p.mu.Unlock()
	}
	key := p.liveKeys().current
	if fault == nil || fault.LogoutTokenSigning == "" {
		return key.sign(typLogout, claims)
	}
	return p.signFaulty(key, c, typLogout, claims, fault.LogoutTokenSigning)
}

// otherSIDLocked returns the sid of a live session other than s, of
// another user if there is one, else a made-up sid. p.mu must be held.
func (p *Provider) otherSIDLocked(s *browserSession, now time.Time) string {
	other := ""
	for sid, o := range p.bySID {
		if o == s || o.ended || now.After(o.expires) {
			continue
		}
		if o.user.Subject != s.user.Subject {
			return sid
		}
		other = sid
	}
	if other == "" {
		other = randomToken()[:22]
	}
	return other
}
