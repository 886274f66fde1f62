package rp

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/foyer-oidc/foyer/mockidp"
)

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func kids(p *provider) []string {
	m := p.meta.Load()
	m.keys.mu.RLock()
	defer m.keys.mu.RUnlock()
	var out []string
	for _, k := range m.keys.keys {
		out = append(out, k.KeyID)
	}
	return out
}

func TestBackgroundKeyRefreshDropsAWithdrawnKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.KeyRefreshInterval = 10 * time.Millisecond }})
	prov := h.rp.providers["mock"]
	old := kids(prov)
	if len(old) == 0 {
		t.Fatal("no keys after discovery")
	}
	if err := h.idp.RotateKeyOverlap(-1); err != nil { // the old key is withdrawn at once
		t.Fatal(err)
	}
	eventually(t, "the withdrawn key is dropped", func() bool {
		now := kids(prov)
		return len(now) > 0 && !slices.Contains(now, old[0])
	})
	h.signIn(h.client) // and the new key verifies
}

func TestBackgroundDiscoveryRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{cfg: func(c *Config) { c.MetadataRefreshInterval = 10 * time.Millisecond }})
	prov := h.rp.providers["mock"]
	// A failing refresh keeps the provider usable.
	h.idp.InjectFault(mockidp.Fault{DiscoveryStatus: http.StatusInternalServerError, Times: 3})
	moved := h.idp.Issuer + "/end_session_moved"
	eventually(t, "the failed refreshes happen", func() bool {
		return len(h.idp.Requests("discovery")) >= 4
	})
	if !h.rp.Ready() {
		t.Fatal("a failed discovery refresh made the provider unready")
	}
	h.signIn(h.client)
	h.idp.InjectFault(mockidp.Fault{DiscoveryClaims: map[string]any{"end_session_endpoint": moved}, Times: 1000})
	eventually(t, "the new metadata is used", func() bool { return prov.meta.Load().endSession == moved })
}
