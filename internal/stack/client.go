package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// maxRedirects bounds Client.Follow, as browsers do.
const maxRedirects = 20

// Client plays a browser over plain HTTP: it keeps cookies, does not follow
// redirects by itself (so a test can look at each hop), and submits forms.
// Every failure fails the test, so calls need no error checks.
type Client struct {
	// HTTP is the underlying client; its Jar holds the cookies.
	HTTP *http.Client
	t    testing.TB
}

// ClientOption changes how NewClient builds a Client.
type ClientOption func(*clientOptions)

type clientOptions struct {
	hosts map[string]string
}

// WithHostMap makes the client connect to addrs[hostport] whenever a URL
// names hostport, keeping the URL and Host header as they are: what an
// /etc/hosts entry does for a browser. The container suite uses it to reach
// "mockidp:9400" through the port Docker published on 127.0.0.1.
func WithHostMap(addrs map[string]string) ClientOption {
	return func(o *clientOptions) { o.hosts = addrs }
}

// NewClient returns a Client with an empty cookie jar.
func NewClient(t testing.TB, opts ...ClientOption) *Client {
	t.Helper()
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := o.hosts[addr]; ok {
				addr = to
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 4,
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &Client{
		t: t,
		HTTP: &http.Client{
			Jar:       jar,
			Transport: transport,
			Timeout:   30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

// Response is one HTTP answer with its body read.
type Response struct {
	*http.Response
	// Body is the whole body.
	Body []byte
	// URL is the request's URL.
	URL *url.URL
	// Hops lists "STATUS METHOD URL" for each request Follow made to get
	// here, this one last.
	Hops []string
}

// Get fetches rawURL without following redirects.
func (c *Client) Get(rawURL string) *Response {
	c.t.Helper()
	return c.Do(c.NewRequest(http.MethodGet, rawURL, nil))
}

// PostForm posts form to rawURL without following redirects.
func (c *Client) PostForm(rawURL string, form url.Values) *Response {
	c.t.Helper()
	req := c.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// NewRequest builds a request that accepts HTML, as a browser's navigation.
func (c *Client) NewRequest(method, rawURL string, body io.Reader) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	return req
}

// Do sends req and reads the whole answer.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return &Response{
		Response: resp,
		Body:     body,
		URL:      req.URL,
		Hops:     []string{fmt.Sprintf("%d %s %s", resp.StatusCode, req.Method, req.URL)},
	}
}

// Follow follows r's redirects (GET, as a browser does after 301/302/303)
// until an answer that is not a redirect, and returns that one with every
// hop recorded in Hops.
func (c *Client) Follow(r *Response) *Response {
	c.t.Helper()
	hops := r.Hops
	for i := 0; IsRedirect(r.StatusCode); i++ {
		if i == maxRedirects {
			c.t.Fatalf("more than %d redirects:\n%s", maxRedirects, strings.Join(hops, "\n"))
		}
		next := r.Location(c.t)
		r = c.Get(next.String())
		hops = append(hops, r.Hops...)
	}
	r.Hops = hops
	return r
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

// Location returns r's Location header resolved against its URL, failing t
// when there is none.
func (r *Response) Location(t testing.TB) *url.URL {
	t.Helper()
	loc := r.Header.Get("Location")
	if loc == "" {
		t.Fatalf("%s: status %d with no Location", r.URL, r.StatusCode)
	}
	u, err := r.URL.Parse(loc)
	if err != nil {
		t.Fatalf("%s: bad Location %q: %v", r.URL, loc, err)
	}
	return u
}

// JSON decodes the body into v, failing t when it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s: body is not JSON (%v): %.300s", r.URL, err, r.Body)
	}
}

// String returns the status line, the hops and the start of the body, for
// failure messages.
func (r *Response) String() string {
	return fmt.Sprintf("status %d from %s\nhops:\n  %s\nbody: %.800s", r.StatusCode, r.URL,
		strings.Join(r.Hops, "\n  "), r.Body)
}

// Submit sends form f as a browser would when the button matching button is
// pressed (see Form.Button; "" presses none), with set overriding or adding
// fields. It does not follow the answer's redirects.
func (c *Client) Submit(f Form, button string, set url.Values) *Response {
	c.t.Helper()
	values := f.Values(c.t, button, set)
	if strings.EqualFold(f.Method, http.MethodPost) {
		return c.PostForm(f.Action.String(), values)
	}
	u := *f.Action
	u.RawQuery = values.Encode()
	return c.Get(u.String())
}
