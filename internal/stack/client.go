package stack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Client is an [Agent] for a test: every failure fails the test, so calls
// need no error checks.
type Client struct {
	// HTTP is the underlying client; its Jar holds the cookies.
	HTTP  *http.Client
	agent *Agent
	t     testing.TB
}

// NewClient returns a Client with an empty cookie jar whose idle
// connections are closed when t ends.
func NewClient(t testing.TB, opts ...AgentOption) *Client {
	t.Helper()
	a := NewAgent(opts...)
	t.Cleanup(a.CloseIdleConnections)
	return &Client{HTTP: a.HTTP, agent: a, t: t}
}

// Get fetches rawURL without following redirects.
func (c *Client) Get(rawURL string) *Response {
	c.t.Helper()
	return c.must(c.agent.Get(context.Background(), rawURL))
}

// PostForm posts form to rawURL without following redirects.
func (c *Client) PostForm(rawURL string, form url.Values) *Response {
	c.t.Helper()
	return c.must(c.agent.PostForm(context.Background(), rawURL, form))
}

// NewRequest builds a request that accepts HTML, as a browser's navigation.
func (c *Client) NewRequest(method, rawURL string, body io.Reader) *http.Request {
	c.t.Helper()
	req, err := NewRequest(context.Background(), method, rawURL, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	return req
}

// Do sends req and reads the whole answer.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	return c.must(c.agent.Do(req))
}

// Follow follows r's redirects (GET, as a browser does after 301/302/303)
// until an answer that is not a redirect, and returns that one with every
// hop recorded in Hops.
func (c *Client) Follow(r *Response) *Response {
	c.t.Helper()
	return c.must(c.agent.Follow(context.Background(), r))
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

// must fails the test on err.
func (c *Client) must(r *Response, err error) *Response {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("%v", err)
	}
	return r
}

// Location returns r's Location header resolved against its URL, failing t
// when there is none.
func (r *Response) Location(t testing.TB) *url.URL {
	t.Helper()
	u, err := r.location()
	if err != nil {
		t.Fatalf("%v", err)
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
