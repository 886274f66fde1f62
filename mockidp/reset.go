package mockidp

import "time"

// Reset returns the provider to the state [New] left it in: no faults,
// queued logins, captured requests or back-channel records; no sessions,
// codes or tokens; the clock running with no offset; the initial signing
// key. Relying parties must sign in again afterwards.
func (p *Provider) Reset() {
	p.ClearFaults()
	p.mu.Lock()
	p.codes = map[string]*authCode{}
	p.access = map[tokenKey]*accessToken{}
	p.refresh = map[string]*refreshToken{}
	p.sessions = map[string]*browserSession{}
	p.bySID = map[string]*browserSession{}
	p.pending = map[string]*pendingAuth{}
	p.queued = map[string][]User{}
	p.queuedHint = map[string][]User{}
	p.queuedClaims = map[string][]map[string]any{}
	p.logouts = nil
	p.lastLogoutJTI = map[string]string{}
	p.appleSeen = map[string]bool{}
	p.seenJTI = map[string]time.Time{}
	p.devices = map[string]*deviceAuth{}
	p.userCodes = map[string]string{}
	p.pushed = map[string]*pushedAuth{}
	p.mu.Unlock()
	p.jwksMu.Lock()
	p.jwksCache = map[string]*remoteKeySet{}
	p.jwksMu.Unlock()
	p.capMu.Lock()
	p.captured = map[string][]CapturedRequest{}
	p.capMu.Unlock()
	p.clockMu.Lock()
	p.clock = clockState{}
	p.clockMu.Unlock()
	p.regMu.Lock()
	p.reg.Store(p.initReg)
	p.regMu.Unlock()
	p.rotateMu.Lock()
	p.keys.Store(p.initKeys)
	p.rotateMu.Unlock()
}
