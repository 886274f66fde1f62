package rp

import (
	"context"
	"time"
)

// maintain keeps a discovered provider fresh until ctx ends: it refetches the key set
// every KeyRefreshInterval (a key the provider withdrew stops verifying tokens then,
// not only after an unknown key forces a refetch) and runs discovery again every
// MetadataRefreshInterval. A failure is logged and the current metadata and keys stay
// in use; the next tick tries again.
func (p *provider) maintain(ctx context.Context, s *settings) {
	keys := time.NewTicker(s.KeyRefreshInterval)
	defer keys.Stop()
	meta := time.NewTicker(s.MetadataRefreshInterval)
	defer meta.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keys.C:
			if m := p.meta.Load(); m != nil {
				if err := m.keys.load(ctx); err != nil && ctx.Err() == nil {
					s.Logger.Warn("key set refresh failed; keeping the current keys", "provider", p.cfg.ID, "reason", err.Error())
				}
			}
		case <-meta.C:
			if err := p.discover(ctx, s); err != nil && ctx.Err() == nil {
				s.Logger.Warn("discovery refresh failed; keeping the current metadata", "provider", p.cfg.ID, "reason", err.Error())
			}
		}
	}
}
