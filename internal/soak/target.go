package soak

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client and cookie settings shared by both targets.
const (
	clientID     = "soak"
	clientSecret = "soak-client-secret"
	cookieSecret = "soak-cookie-secret-0123456789abcdef-0123456789"
)

// target is a running rp in front of a mock provider.
type target interface {
	// base is rp's URL, e.g. "http://127.0.0.1:41234".
	base() string
	// sample measures memory (bytes) and goroutines now.
	sample(ctx context.Context) (mem int64, goroutines int, err error)
	// memKind and goroutineKind name what sample measures.
	memKind() string
	goroutineKind() string
	// refreshes is how many refresh_token grants the provider has answered.
	refreshes() int64
	// stop shuts everything down gracefully and reports a failed shutdown.
	stop() error
}

// subject is the sub (and login_hint) of virtual user i.
func subject(i int) string { return fmt.Sprintf("u%05d", i) }

// mockYAML is the mock provider's configuration: one client for rp and one
// user per virtual user.
func mockYAML(issuer, rpURL string, users int, accessTTL time.Duration) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "issuer: %s\nlogin: auto\nlifetimes: {access_token: %s}\n", issuer, accessTTL)
	fmt.Fprintf(&b, "clients:\n  - id: %s\n    secret: %s\n    redirect_uris: [%s/auth/callback]\n", clientID, clientSecret, rpURL)
	fmt.Fprintf(&b, "    post_logout_redirect_uris: [%s/auth/logout/done]\n", rpURL)
	fmt.Fprintf(&b, "    backchannel_logout_uri: %s/auth/backchannel-logout\nusers:\n", rpURL)
	for i := range users {
		s := subject(i)
		fmt.Fprintf(&b, "  - sub: %s\n    claims: {preferred_username: %s, name: User %s, email: %s@example.com, email_verified: true, groups: [users]}\n", s, s, s, s)
	}
	return b.Bytes()
}

// refreshCounter is an io.Writer over the provider's log that counts the
// refresh grants it reports.
type refreshCounter struct {
	n    atomic.Int64
	mu   sync.Mutex
	part []byte
}

func (c *refreshCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.part = append(c.part, p...)
	for {
		i := bytes.IndexByte(c.part, '\n')
		if i < 0 {
			break
		}
		line := string(c.part[:i])
		c.part = c.part[i+1:]
		if strings.Contains(line, "grant_type=refresh_token") {
			c.n.Add(1)
		}
	}
	return len(p), nil
}
