package mockidp

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Redacted replaces the value of a secret parameter in a [CapturedRequest].
const Redacted = "REDACTED"

// maxCaptured is how many requests are kept per endpoint (the oldest go).
const maxCaptured = 100

// redactedParams are the parameters whose values are never kept.
var redactedParams = []string{
	"client_secret", "code", "code_verifier", "refresh_token", "access_token", "token", "id_token",
	"id_token_hint", "logout_token", "password", "assertion", "client_assertion", "subject_token", "actor_token",
}

// CapturedRequest is one request the provider received, with secrets
// redacted, for tests to assert on (e.g. "the relying party called
// end_session with an id_token_hint").
type CapturedRequest struct {
	// Endpoint is the route without its slash: "authorize", "token",
	// "userinfo", "jwks", "discovery", "end_session", "revoke",
	// "introspect", "login", "par", "device_authorization" or "device".
	Endpoint string `json:"endpoint"`
	// Method, Host and Path are those of the request.
	Method string `json:"method"`
	Host   string `json:"host"`
	Path   string `json:"path"`
	// Params are the query and form parameters the provider read. The
	// values of secrets (client_secret, code, code_verifier, tokens,
	// id_token_hint, password, assertions) are [Redacted], so their
	// presence still shows.
	Params url.Values `json:"params,omitempty"`
	// Authorization is the scheme of the Authorization header followed by
	// " REDACTED", or "" when there was none.
	Authorization string `json:"authorization,omitempty"`
	// ClientID is the client_id parameter or the Basic user name.
	ClientID string `json:"client_id,omitempty"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Time is the provider time of the request.
	Time time.Time `json:"time"`

	seq uint64
}

// Has reports whether parameter name was sent (redacted or not).
func (c CapturedRequest) Has(name string) bool { return c.Params.Has(name) }

// Requests returns the last requests (at most 100 per endpoint) received
// at endpoint, oldest first; "" returns those of every endpoint. See
// [CapturedRequest] for the endpoint names.
func (p *Provider) Requests(endpoint string) []CapturedRequest {
	p.capMu.Lock()
	defer p.capMu.Unlock()
	var out []CapturedRequest
	for ep, rs := range p.captured {
		if endpoint == "" || ep == endpoint {
			out = append(out, rs...)
		}
	}
	slices.SortFunc(out, func(a, b CapturedRequest) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// capture records r, answered with status, under endpoint.
func (p *Provider) capture(endpoint string, r *http.Request, status int) {
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = vs
	}
	for k, vs := range r.PostForm {
		params[k] = append(params[k], vs...)
	}
	for _, k := range redactedParams {
		for i := range params[k] {
			params[k][i] = Redacted
		}
	}
	c := CapturedRequest{Endpoint: endpoint, Method: r.Method, Host: r.Host, Path: r.URL.Path, Params: params,
		ClientID: params.Get("client_id"), Status: status, Time: p.Now()}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, _, _ := strings.Cut(h, " ")
		c.Authorization = scheme + " " + Redacted
		if user, _, ok := r.BasicAuth(); ok && c.ClientID == "" {
			c.ClientID, _ = url.QueryUnescape(user)
		}
	}
	if len(params) == 0 {
		c.Params = nil
	}
	p.capMu.Lock()
	defer p.capMu.Unlock()
	p.capSeq++
	c.seq = p.capSeq
	rs := append(p.captured[endpoint], c)
	if len(rs) > maxCaptured {
		rs = slices.Delete(rs, 0, len(rs)-maxCaptured)
	}
	p.captured[endpoint] = rs
}

// statusRecorder remembers the status an handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
