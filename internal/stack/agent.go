package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// maxRedirects bounds Follow and SignIn, as browsers do.
const maxRedirects = 20

// maxBody caps the bytes read from any response.
const maxBody = 4 << 20

// Agent plays a browser over plain HTTP without a test: it keeps cookies,
// does not follow redirects by itself (so that each hop can be looked at),
// and returns errors. [Client] is the same for a test.
type Agent struct {
	// HTTP is the underlying client; its Jar holds the cookies.
	HTTP *http.Client
}

// AgentOption changes how NewAgent builds an Agent.
type AgentOption func(*agentOptions)

type agentOptions struct {
	hosts     map[string]string
	transport http.RoundTripper
}

// WithHostMap makes the agent connect to addrs[hostport] whenever a URL
// names hostport, keeping the URL and Host header as they are: what an
// /etc/hosts entry does for a browser. The container suite uses it to reach
// "mockidp:9400" through the port Docker published on 127.0.0.1.
func WithHostMap(addrs map[string]string) AgentOption {
	return func(o *agentOptions) { o.hosts = addrs }
}

// WithTransport makes the agent send its requests through rt, e.g. one
// transport shared by many agents so that connections are reused.
func WithTransport(rt http.RoundTripper) AgentOption {
	return func(o *agentOptions) { o.transport = rt }
}

// NewAgent returns an Agent with an empty cookie jar.
func NewAgent(opts ...AgentOption) *Agent {
	var o agentOptions
	for _, opt := range opts {
		opt(&o)
	}
	jar, _ := cookiejar.New(nil) // never fails without options
	if o.transport == nil {
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		o.transport = &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if to, ok := o.hosts[addr]; ok {
					addr = to
				}
				return dialer.DialContext(ctx, network, addr)
			},
			MaxIdleConnsPerHost: 4,
		}
	}
	return &Agent{HTTP: &http.Client{
		Jar:       jar,
		Transport: o.transport,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// CloseIdleConnections closes the idle connections of the agent's transport.
func (a *Agent) CloseIdleConnections() { a.HTTP.CloseIdleConnections() }

// Response is one HTTP answer with its body read.
type Response struct {
	*http.Response
	// Body is the whole body (up to 4 MiB).
	Body []byte
	// URL is the request's URL.
	URL *url.URL
	// Hops lists "STATUS METHOD URL" for each request Follow made to get
	// here, this one last.
	Hops []string
}

// NewRequest builds a request that accepts HTML, as a browser's navigation.
func NewRequest(ctx context.Context, method, rawURL string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	return req, nil
}

// Do sends req and reads the whole answer.
func (a *Agent) Do(req *http.Request) (*Response, error) {
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", req.Method, req.URL, err)
	}
	return &Response{
		Response: resp,
		Body:     body,
		URL:      req.URL,
		Hops:     []string{fmt.Sprintf("%d %s %s", resp.StatusCode, req.Method, req.URL)},
	}, nil
}

// Get fetches rawURL without following redirects; header holds extra
// request headers as name, value pairs.
func (a *Agent) Get(ctx context.Context, rawURL string, header ...string) (*Response, error) {
	req, err := NewRequest(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return a.Do(req)
}

// PostForm posts form to rawURL without following redirects.
func (a *Agent) PostForm(ctx context.Context, rawURL string, form url.Values) (*Response, error) {
	req, err := NewRequest(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.Do(req)
}

// Follow follows r's redirects (GET, as a browser does after 301/302/303)
// until an answer that is not a redirect, and returns that one with every
// hop recorded in Hops.
func (a *Agent) Follow(ctx context.Context, r *Response) (*Response, error) {
	return a.follow(ctx, r, func(*Response) bool { return false })
}

// follow is Follow that also stops after the answer for which stop is true.
func (a *Agent) follow(ctx context.Context, r *Response, stop func(*Response) bool) (*Response, error) {
	hops := r.Hops
	for i := 0; IsRedirect(r.StatusCode) && !stop(r); i++ {
		if i == maxRedirects {
			return nil, fmt.Errorf("more than %d redirects:\n%s", maxRedirects, strings.Join(hops, "\n"))
		}
		next, err := r.location()
		if err != nil {
			return nil, err
		}
		if r, err = a.Get(ctx, next.String()); err != nil {
			return nil, err
		}
		hops = append(hops, r.Hops...)
	}
	r.Hops = hops
	return r, nil
}

// SignIn signs in headlessly at a relying party whose provider signs users
// in without a page (mockidp --login auto, or a login_hint it honours): it
// GETs start (e.g. rp's /auth/login), follows the redirects to the provider
// and back, and returns the answer to the request whose path is callback
// (e.g. "/auth/callback"), the one that sets the session cookie. It fails
// when a hop answers 4xx/5xx, or a page instead of a redirect before the
// callback.
func (a *Agent) SignIn(ctx context.Context, start, callback string) (*Response, error) {
	r, err := a.Get(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	atCallback := func(r *Response) bool { return r.URL.Path == callback }
	if r, err = a.follow(ctx, r, atCallback); err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	if r.StatusCode >= 400 {
		return nil, fmt.Errorf("sign-in: %s: status %d: %s", r.URL.Path, r.StatusCode, snippet(r.Body))
	}
	if !atCallback(r) {
		return nil, fmt.Errorf("sign-in: %s: status %d before reaching %s: %s", r.URL.Path, r.StatusCode, callback, snippet(r.Body))
	}
	return r, nil
}

// IsRedirect reports whether status asks the client to go elsewhere.
func IsRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// location returns r's Location header resolved against its URL.
func (r *Response) location() (*url.URL, error) {
	loc := r.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("%s: status %d with no Location", r.URL, r.StatusCode)
	}
	u, err := r.URL.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("%s: bad Location %q: %w", r.URL, loc, err)
	}
	return u, nil
}

// String returns the status line, the hops and the start of the body, for
// failure messages.
func (r *Response) String() string {
	return fmt.Sprintf("status %d from %s\nhops:\n  %s\nbody: %.800s", r.StatusCode, r.URL,
		strings.Join(r.Hops, "\n  "), r.Body)
}

// snippet shortens a response body for an error message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// CookieHeader renders cookies as one Cookie request header value.
func CookieHeader(cookies []*http.Cookie) string {
	parts := make([]string, len(cookies))
	for i, c := range cookies {
		parts[i] = c.Name + "=" + c.Value
	}
	return strings.Join(parts, "; ")
}

// errNoCookie is returned by Cookies when the jar holds none for a URL.
var errNoCookie = errors.New("no cookie")

// Cookies returns the cookies the agent would send to rawURL.
func (a *Agent) Cookies(rawURL string) ([]*http.Cookie, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	c := a.HTTP.Jar.Cookies(u)
	if len(c) == 0 {
		return nil, fmt.Errorf("%w for %s", errNoCookie, rawURL)
	}
	return c, nil
}
