package mockidp

import "time"

// clockState is the provider's view of time: the configured clock plus an
// offset, or a frozen instant.
type clockState struct {
	offset time.Duration
	frozen bool
	at     time.Time // the frozen time
}

// Now returns the provider's current time: the configured clock plus every
// [Provider.Advance], or the frozen time after [Provider.Freeze]. Issuing
// and checking (codes, tokens, sessions, key overlaps) use this clock.
func (p *Provider) Now() time.Time {
	p.clockMu.Lock()
	defer p.clockMu.Unlock()
	if p.clock.frozen {
		return p.clock.at
	}
	return p.cfg.Now().Add(p.clock.offset)
}

// Advance moves the provider's clock forward by d (backward if negative),
// e.g. to let codes, tokens or sessions expire. It also moves a frozen
// clock, which stays frozen.
func (p *Provider) Advance(d time.Duration) {
	p.clockMu.Lock()
	defer p.clockMu.Unlock()
	if p.clock.frozen {
		p.clock.at = p.clock.at.Add(d)
		return
	}
	p.clock.offset += d
}

// Freeze stops the provider's clock at its current time and returns that
// time; only [Provider.Advance] moves it until [Provider.Unfreeze].
// Freezing a frozen clock changes nothing.
func (p *Provider) Freeze() time.Time {
	p.clockMu.Lock()
	defer p.clockMu.Unlock()
	if !p.clock.frozen {
		p.clock.at = p.cfg.Now().Add(p.clock.offset)
		p.clock.frozen = true
	}
	return p.clock.at
}

// Unfreeze lets the clock run again from the frozen time (time spent
// frozen is skipped, not caught up).
func (p *Provider) Unfreeze() {
	p.clockMu.Lock()
	defer p.clockMu.Unlock()
	if p.clock.frozen {
		p.clock.offset = p.clock.at.Sub(p.cfg.Now())
		p.clock.frozen = false
	}
}
