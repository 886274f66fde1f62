package bench

import (
	"context"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// readyTimeout bounds the wait for a started program to answer.
const readyTimeout = 20 * time.Second

// stackOptions vary the stack per scenario.
type stackOptions struct {
	alg          string   // mockidp --alg
	upstream     string   // rp --upstream, if any
	sessionStore string   // rp --session-store, if any
	rpArgs       []string // more rp flags
}

// startStack starts mockidp (--login auto) and then rp using it with the
// demo client, each its own process on a free loopback port, and waits until
// both are ready.
func (s *suite) startStack(ctx context.Context, o stackOptions) (*stack.Stack, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var rpArgs []string
	if o.upstream != "" {
		rpArgs = append(rpArgs, "--upstream", o.upstream)
	}
	if o.sessionStore != "" {
		rpArgs = append(rpArgs, "--session-store", o.sessionStore)
	}
	rpArgs = append(rpArgs, o.rpArgs...)
	return stack.StartStack(ctx, stack.Config{
		Binaries:      s.bins,
		MockIDPArgs:   []string{"--login", "auto", "--alg", o.alg},
		RPArgs:        rpArgs,
		ReadyInterval: 5 * time.Millisecond,
	})
}

// stopStack stops st, waiting up to stopGrace for each program.
func stopStack(st *stack.Stack) { _ = st.Stop(stopGrace) }

// stopGrace is how long a program may take to exit after SIGTERM before it
// is killed.
const stopGrace = 3 * time.Second

// signer returns a Signer for this stack's rp, expecting the mock's first
// default user.
func (s *suite) signer(st *stack.Stack) *Signer {
	return &Signer{Base: st.RPURL, WantUser: "alice", Transport: s.transport}
}
