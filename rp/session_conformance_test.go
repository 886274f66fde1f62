package rp_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/revocation"
	"github.com/foyer-oidc/foyer/rp/sessiontest"
)

// TestCookieStoreConformance runs the session-store conformance suite against the
// cookie store.
func TestCookieStoreConformance(t *testing.T) {
	t.Parallel()
	sessiontest.Run(t, sessiontest.Target{
		New: func(t *testing.T, o sessiontest.Options) rp.SessionStore {
			st, err := rp.NewCookieStore(rp.CookieStoreConfig{
				Secrets: o.Secrets, InsecureHTTP: o.InsecureHTTP, Now: o.Now, IdleTimeout: o.IdleTimeout,
			})
			if err != nil {
				t.Fatalf("NewCookieStore: %v", err)
			}
			return st
		},
		// Sign-outs and logouts in a state file, as cmd/rp's --state-dir: shared by
		// the RPs of one test (restarts, replicas).
		Configure: func(t *testing.T, cfg *rp.Config) {
			f, err := revocation.OpenFile(stateFile(t), cfg.Now)
			if err != nil {
				t.Fatalf("OpenFile: %v", err)
			}
			t.Cleanup(func() { f.Close() })
			cfg.Revocations, cfg.ReplayCache = f, f
		},
		SecretBound: true,
		Chunked:     true,
	})
}

// stateFiles holds each test's state file.
var stateFiles sync.Map // *testing.T -> string

// stateFile returns t's state file, the same at every call.
func stateFile(t *testing.T) string {
	if p, ok := stateFiles.Load(t); ok {
		return p.(string)
	}
	p, _ := stateFiles.LoadOrStore(t, filepath.Join(t.TempDir(), "revocations"))
	return p.(string)
}
