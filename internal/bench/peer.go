package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/foyer-oidc/foyer/internal/stack"
)

// PeerEnv names the variable that points foyer-bench (and `make bench`) at an
// oauth2-proxy binary to measure beside foyer. Build one with
//
//	GOBIN=/tmp/peer go install github.com/oauth2-proxy/oauth2-proxy/v7@v7.15.6
//
// and never commit it.
const PeerEnv = "PEER_OAUTH2_PROXY"

// OAuth2ProxyPaths are oauth2-proxy's routes: /oauth2/auth answers 202 with
// X-Auth-Request-User when --set-xauthrequest is on.
var OAuth2ProxyPaths = Paths{Start: "/oauth2/start?rd=%2F", Callback: "/oauth2/callback", Verify: "/oauth2/auth",
	UserHeader: "X-Auth-Request-User"}

// peer is a relying party under measurement, running as a process: foyer's
// rp, or oauth2-proxy configured as an OIDC client of the same mockidp.
type peer struct {
	name  string
	url   string
	paths Paths
	proc  *stack.Process
	// sessions are the Cookie headers of its signed-in sessions.
	sessions []string
}

// signer returns a Signer for p, expecting the mock's first default user.
func (s *suite) peerSigner(p *peer) *Signer {
	return &Signer{Base: p.url, Paths: p.paths, WantUser: "alice", Transport: s.transport}
}

// startOAuth2Proxy starts the oauth2-proxy binary at path as an OIDC client
// of the mock at issuer (its confidential demo client; PKCE S256), in front
// of upstream, and waits until it answers /ping. It is set up as foyer is
// measured: cookie sessions, no cookie refresh, request logging off (sign-ins
// are still logged, as foyer logs them), plain-HTTP loopback cookies.
func (s *suite) startOAuth2Proxy(ctx context.Context, path, issuer, upstream string) (*peer, error) {
	addr, err := stack.Addr()
	if err != nil {
		return nil, err
	}
	url := "http://" + addr
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	proc, err := stack.Start(ctx, stack.ProcessConfig{
		Name: "oauth2-proxy", Path: path, ReadyURL: url + "/ping", ReadyInterval: 5 * time.Millisecond,
		Args: []string{
			"--http-address", addr,
			"--provider", "oidc", "--oidc-issuer-url", issuer,
			"--client-id", "demo", "--client-secret", "demo-secret",
			"--code-challenge-method", "S256",
			"--redirect-url", url + "/oauth2/callback",
			"--cookie-secret", randomHex(16), // 32 characters: an AES-256 key
			"--cookie-secure=false", "--cookie-refresh", "0",
			"--session-store-type", "cookie",
			"--email-domain", "*",
			"--upstream", upstream,
			"--skip-provider-button", "--set-xauthrequest",
			"--request-logging=false", "--silence-ping-logging",
		},
	})
	if err != nil {
		return nil, err
	}
	return &peer{name: "oauth2-proxy", url: url, paths: OAuth2ProxyPaths, proc: proc}, nil
}

// signInMany signs n sessions in at p with VUs virtual users and keeps their
// cookies; it reports the sign-in rate and the CPU per sign-in of p and of
// the mock (pid mock).
func (s *suite) signInMany(ctx context.Context, p *peer, n, mock int) error {
	signer := s.peerSigner(p)
	if _, err := signer.SignIn(ctx); err != nil { // fail fast, with the reason
		return fmt.Errorf("%s: %w", p.name, err)
	}
	p.sessions = make([]string, n)
	var next atomic.Int64
	meter, err := newCPUMeter(p.proc.PID(), mock)
	if err != nil {
		return err
	}
	res := ClosedLoop{VUs: s.cfg.VUs, Duration: 10 * time.Minute, MaxOps: n}.Run(ctx, func(ctx context.Context, _ int) error {
		cookie, err := signer.SignIn(ctx)
		if err != nil {
			return err
		}
		p.sessions[next.Add(1)-1] = cookie
		return nil
	})
	cpu, err := meter.since()
	if err != nil {
		return err
	}
	if res.Failed > 0 || res.OK < n {
		return fmt.Errorf("%s: %d of %d sign-ins failed (first: %v)", p.name, n-res.OK, n, res.FirstErr)
	}
	kase := p.name
	s.logf("sessions %s: %d sign-ins in %v (%.0f/s), cpu %s %v mock %v", p.name, res.OK, res.Elapsed.Round(time.Millisecond),
		res.Throughput(), p.name, cpu[0], cpu[1])
	s.report.Add("sessions", kase, fmt.Sprintf("sign-ins/s, EdDSA mock (%d VUs)", s.cfg.VUs), res.Throughput(), "/s", "")
	s.report.Add("sessions", kase, "CPU per sign-in: "+p.name, ms(cpu[0])/float64(n), "ms", "")
	s.report.Add("sessions", kase, "CPU per sign-in: mockidp", ms(cpu[1])/float64(n), "ms", "")
	s.facts[p.name+"/signin rate"] = res.Throughput()
	return nil
}

// checkProxied checks that a request proxied by p reaches the upstream as
// the signed-in user.
func (s *suite) checkProxied(ctx context.Context, p *peer) error {
	client := &http.Client{Transport: s.transport, Timeout: 10 * time.Second}
	return checkIdentity(ctx, client, target{name: "proxy", url: p.url + "/bench", cookie: p.sessions[0]}, "alice")
}
