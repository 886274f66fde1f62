package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// inProcessClient is dev mode's HTTP client for rp: requests under issuer go
// straight to the embedded provider's handler, in this process (no DNS, no
// network, whatever the public URL); anything else fails.
func inProcessClient(issuer string, idp http.Handler) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: inProcess{prefix: strings.TrimSuffix(issuer, "/") + "/", handler: idp}}
}

// inProcess is an http.RoundTripper that serves requests with a handler.
type inProcess struct {
	prefix  string // scheme://host/path/ of the requests it serves
	handler http.Handler
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasPrefix(u.String(), t.prefix) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("dev mode: %s is not the embedded provider (%s)", u.Redacted(), t.prefix)
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.handler.ServeHTTP(rec, in)
	in.Body.Close()
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(&rec.body), ContentLength: int64(rec.body.Len()), Request: req,
	}, nil
}

// recorder is the http.ResponseWriter of inProcess.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
