package mockidp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// parDeviceServer serves PAR, the device flow and the control API.
func parDeviceServer(t *testing.T) *TestServer {
	return NewTestServer(t, withControl(), WithConfig(func(c *Config) { c.PAR, c.DeviceFlow = true, true }))
}

// endpointRequest posts a valid request to /par or /device_authorization
// as client (demo with its secret, demo-public by client_id) with
// login_hint hint, if any.
func endpointRequest(t *testing.T, ts *TestServer, endpoint, client, hint string) (*http.Response, string) {
	t.Helper()
	form := url.Values{"scope": {"openid"}}
	if endpoint == "par" {
		form = pushReq(oauth2.GenerateVerifier())
	}
	if hint != "" {
		form.Set("login_hint", hint)
	}
	user, pass := "demo", "demo-secret"
	if client != "demo" {
		form.Set("client_id", client)
		user, pass = "", ""
	}
	return postForm(t, http.DefaultClient, ts.Issuer+"/"+endpoint, form, user, pass)
}

// storedRequests counts the pushed requests and device authorizations the
// provider holds.
func storedRequests(ts *TestServer) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.pushed) + len(ts.devices)
}

// checkAnswered checks an unfaulted answer of endpoint: a request_uri that
// signs in, or a device code.
func checkAnswered(t *testing.T, ts *TestServer, endpoint, client string, resp *http.Response, body string) {
	t.Helper()
	var out struct {
		RequestURI string `json:"request_uri"`
		DeviceCode string `json:"device_code"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%s: %d %s", endpoint, resp.StatusCode, body)
	}
	switch endpoint {
	case "par":
		if resp.StatusCode != http.StatusCreated || out.ExpiresIn != 60 {
			t.Fatalf("par: %d %s, want 201 with expires_in 60", resp.StatusCode, body)
		}
		if q := authorizeRedirect(t, newBrowser(t), parAuthURL(ts, client, out.RequestURI)); q.Get("code") == "" {
			t.Errorf("authorize with the pushed request: %v", q)
		}
	default:
		if resp.StatusCode != http.StatusOK || out.DeviceCode == "" || out.ExpiresIn != 600 {
			t.Errorf("device_authorization: %d %s, want 200 with a device code", resp.StatusCode, body)
		}
	}
}

// TestFaultPARAndDevice injects each answer fault of /par and
// /device_authorization through the control API and checks the answers,
// Times, and scoping by client and by login_hint.
func TestFaultPARAndDevice(t *testing.T) {
	t.Parallel()
	ts := parDeviceServer(t)
	tests := []struct {
		name     string
		endpoint string // "par" or "device_authorization"
		fault    string // JSON for POST /_mock/faults
		client   string // who sends the requests
		hint     string // login_hint sent
		faulted  int    // how many answers the fault replaces (0: out of scope)
		status   int
		errCode  string // the RFC 6749 error, or ""
		body     string // the exact body, or ""
	}{
		{"par error", "par", `{"par_error":"invalid_request"}`, "demo", "", 1, 400, "invalid_request", ""},
		{"par invalid_client", "par", `{"par_error":"invalid_client"}`, "demo", "", 1, 401, "invalid_client", ""},
		{"par status alone", "par", `{"par_status":503}`, "demo", "", 1, 503, "server_error", ""},
		{"par status and error", "par", `{"par_status":429,"par_error":"temporarily_unavailable"}`, "demo", "", 1, 429, "temporarily_unavailable", ""},
		{"par body alone is a 201", "par", `{"par_body":"<html>busy</html>"}`, "demo", "", 1, 201, "", "<html>busy</html>"},
		{"par body and status", "par", `{"par_status":200,"par_body":"{}"}`, "demo", "", 1, 200, "", "{}"},
		{"par twice", "par", `{"par_error":"server_error","times":2}`, "demo", "", 2, 500, "server_error", ""},
		{"par of this client", "par", `{"client_id":"demo-public","par_status":500}`, "demo-public", "", 1, 500, "server_error", ""},
		{"par of another client", "par", `{"client_id":"demo-public","par_status":500}`, "demo", "", 0, 0, "", ""},
		{"par with this login_hint", "par", `{"login_hint":"bob","par_status":500}`, "demo", "bob", 1, 500, "server_error", ""},
		{"par with another login_hint", "par", `{"login_hint":"bob","par_status":500}`, "demo", "alice", 0, 0, "", ""},
		{"par without login_hint", "par", `{"login_hint":"bob","par_status":500}`, "demo", "", 0, 0, "", ""},

		{"device error", "device_authorization", `{"device_error":"unauthorized_client"}`, "demo-public", "", 1, 400, "unauthorized_client", ""},
		{"device status alone", "device_authorization", `{"device_status":502}`, "demo-public", "", 1, 502, "server_error", ""},
		{"device body alone is a 200", "device_authorization", `{"device_body":"not json"}`, "demo-public", "", 1, 200, "", "not json"},
		{"device body and status", "device_authorization", `{"device_status":201,"device_body":"{}"}`, "demo-public", "", 1, 201, "", "{}"},
		{"device three times", "device_authorization", `{"device_status":503,"times":3}`, "demo-public", "", 3, 503, "server_error", ""},
		{"device of this client", "device_authorization", `{"client_id":"demo","device_error":"invalid_client"}`, "demo", "", 1, 401, "invalid_client", ""},
		{"device of another client", "device_authorization", `{"client_id":"demo","device_status":500}`, "demo-public", "", 0, 0, "", ""},
		{"device with this login_hint", "device_authorization", `{"login_hint":"bob","device_status":500}`, "demo-public", "bob", 1, 500, "server_error", ""},
		{"device without login_hint", "device_authorization", `{"login_hint":"bob","device_status":500}`, "demo-public", "", 0, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() { ts.ClearFaults() })
			if st, body := ctl(t, ts, "POST", "/_mock/faults", tt.fault); st != http.StatusCreated {
				t.Fatalf("POST /_mock/faults: %d %s", st, body)
			}
			if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); !strings.Contains(body, `"endpoint":"`+tt.endpoint+`"`) {
				t.Errorf("GET /_mock/faults: %s, want endpoint %s", body, tt.endpoint)
			}
			stored := storedRequests(ts)
			for i := range tt.faulted {
				resp, body := endpointRequest(t, ts, tt.endpoint, tt.client, tt.hint)
				if resp.StatusCode != tt.status || (tt.errCode != "" && oauthErr(t, body) != tt.errCode) ||
					(tt.body != "" && body != tt.body) {
					t.Fatalf("answer %d: %d %s, want %d %q %q", i, resp.StatusCode, body, tt.status, tt.errCode, tt.body)
				}
				if tt.errCode == "invalid_client" && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("invalid_client without WWW-Authenticate")
				}
				if n := storedRequests(ts); n != stored {
					t.Errorf("the faulted request was stored (%d requests, want %d)", n, stored)
				}
			}
			if tt.faulted > 0 {
				if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); body != `{"faults":[]}` {
					t.Errorf("after %d answers the fault is still queued: %s", tt.faulted, body)
				}
			}
			resp, body := endpointRequest(t, ts, tt.endpoint, tt.client, tt.hint)
			checkAnswered(t, ts, tt.endpoint, tt.client, resp, body)
		})
	}
}

// TestFaultPARUnknownRequestURI hands out a request_uri that /authorize
// then refuses, once.
func TestFaultPARUnknownRequestURI(t *testing.T) {
	t.Parallel()
	ts := parDeviceServer(t)
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"client_id":"demo","par_unknown_request_uri":true}`); st != http.StatusCreated {
		t.Fatalf("POST /_mock/faults: %d %s", st, body)
	}
	// Another client is not touched.
	resp, body := endpointRequest(t, ts, "par", "demo-public", "")
	checkAnswered(t, ts, "par", "demo-public", resp, body)

	resp, body = endpointRequest(t, ts, "par", "demo", "")
	var out struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || resp.StatusCode != http.StatusCreated ||
		!strings.HasPrefix(out.RequestURI, requestURIPrefix) || out.ExpiresIn != 60 {
		t.Fatalf("faulted par: %d %s, want a usual answer", resp.StatusCode, body)
	}
	resp, page := get(t, newBrowser(t), parAuthURL(ts, "demo", out.RequestURI))
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("authorize with the forgotten request_uri: %d %q (%.100s), want the error page", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	resp, body = endpointRequest(t, ts, "par", "demo", "")
	checkAnswered(t, ts, "par", "demo", resp, body)
}

// TestFaultDeviceTimes announces and enforces another interval and
// lifetime of one device code, with the injected clock at both edges.
func TestFaultDeviceTimes(t *testing.T) {
	t.Parallel()
	ts := parDeviceServer(t)
	start := ts.Freeze()
	if st, body := ctl(t, ts, "POST", "/_mock/faults", `{"client_id":"demo-public","device_interval":"20s","device_expires_in":"30s"}`); st != http.StatusCreated ||
		!strings.Contains(body, `"device_interval":"20s","device_expires_in":"30s"`) {
		t.Fatalf("POST /_mock/faults: %d %s", st, body)
	}
	resp, body := endpointRequest(t, ts, "device_authorization", "demo-public", "")
	var d struct {
		DeviceCode string `json:"device_code"`
		ExpiresIn  int    `json:"expires_in"`
		Interval   int    `json:"interval"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil || resp.StatusCode != 200 || d.ExpiresIn != 30 || d.Interval != 20 {
		t.Fatalf("device_authorization: %d %s, want expires_in 30 and interval 20", resp.StatusCode, body)
	}
	step := func(at time.Duration, want string) {
		t.Helper()
		ts.Advance(start.Add(at).Sub(ts.Now()))
		if _, code, _ := poll(t, ts, "demo-public", d.DeviceCode); code != want {
			t.Errorf("poll at t+%v: %q, want %q", at, code, want)
		}
	}
	step(0, "authorization_pending")
	step(19*time.Second, "slow_down") // the interval is 20 s, not the configured 5 s
	step(29*time.Second, "slow_down") // 10 s later, under the grown interval of 25 s
	step(30*time.Second, "expired_token")
	// The next device code has the configured times.
	resp, body = endpointRequest(t, ts, "device_authorization", "demo-public", "")
	checkAnswered(t, ts, "device_authorization", "demo-public", resp, body)
}

// TestFaultDevicePollingErrors: polling errors come from TokenError
// faults of the token endpoint, scoped by client.
func TestFaultDevicePollingErrors(t *testing.T) {
	t.Parallel()
	ts := parDeviceServer(t)
	dc, uc := deviceStart(t, ts, "demo-public")
	if err := ts.ApproveDevice(uc, User{Subject: "alice"}); err != nil {
		t.Fatal(err)
	}
	ts.InjectFault(Fault{ClientID: "demo-public", TokenError: "slow_down"})
	ts.InjectFault(Fault{ClientID: "demo-public", TokenError: "expired_token"})
	for _, want := range []string{"slow_down", "expired_token", ""} {
		if st, code, _ := poll(t, ts, "demo-public", dc); code != want || (want != "" && st != 400) {
			t.Errorf("poll: %d %q, want %q", st, code, want)
		}
	}
}

// TestFaultPARAndDeviceDelay: a delay is honoured (the client gives up
// first) and ends with the request (a cancelled request is answered at
// once, by the fault).
func TestFaultPARAndDeviceDelay(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, endpoint string
		fault          Fault
		status         int
	}{
		{"par error", "par", Fault{ClientID: "demo", PARError: "invalid_request"}, 400},
		{"par unknown request_uri", "par", Fault{ClientID: "demo", PARUnknownRequestURI: true}, 201},
		{"device status", "device_authorization", Fault{ClientID: "demo", DeviceStatus: 503}, 503},
		{"device interval", "device_authorization", Fault{ClientID: "demo", DeviceInterval: time.Minute}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := parDeviceServer(t)
			form := url.Values{"scope": {"openid"}}
			if tt.endpoint == "par" {
				form = pushReq(oauth2.GenerateVerifier())
			}
			request := func(ctx context.Context) *http.Request {
				r := httptest.NewRequestWithContext(ctx, http.MethodPost, ts.Issuer+"/"+tt.endpoint, strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.SetBasicAuth("demo", "demo-secret")
				r.RequestURI = ""
				return r
			}
			f := tt.fault
			f.Delay = 5 * time.Second // long enough to outlast the client, short enough for Close to wait
			ts.InjectFault(f)
			if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); strings.Count(body, `"endpoint"`) != 1 {
				t.Errorf("the delayed fault touches other endpoints: %s", body)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if _, err := http.DefaultClient.Do(request(ctx)); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("delayed %s: %v, want the client's deadline", tt.endpoint, err)
			}

			// The server may see the end of the request late: wait until it
			// took the fault, so that the next one is the cancelled request's.
			for deadline := time.Now().Add(5 * time.Second); queued(ts) > 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			f.Delay = time.Hour
			ts.InjectFault(f)
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			rec := httptest.NewRecorder()
			done := make(chan struct{})
			go func() { ts.ServeHTTP(rec, request(cancelled)); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("a cancelled %s request still waits for the delay", tt.endpoint)
			}
			if rec.Code != tt.status {
				t.Errorf("cancelled %s request: %d %s, want the fault's %d", tt.endpoint, rec.Code, rec.Body, tt.status)
			}
		})
	}
}

// queued counts the queued faults.
func queued(ts *TestServer) int {
	ts.faults.mu.Lock()
	defer ts.faults.mu.Unlock()
	return len(ts.faults.entries)
}

// TestControlRefusesBadPARAndDeviceFaults: the control API checks the new
// members and queues nothing it refuses.
func TestControlRefusesBadPARAndDeviceFaults(t *testing.T) {
	t.Parallel()
	ts := parDeviceServer(t)
	for _, tt := range []struct{ body, want string }{
		{`{"par_status":99}`, "par_status"},
		{`{"device_status":700}`, "device_status"},
		{`{"device_interval":"-5s"}`, "device_interval"},
		{`{"device_expires_in":"1.5s"}`, "device_expires_in"},
		{`{"device_interval":"soon"}`, "device_interval"},
		{`{"par_unknown_request_uri":"yes"}`, "cannot unmarshal"},
		{`{"par_request_uri_unknown":true}`, "unknown field"},
	} {
		if st, body := ctl(t, ts, "POST", "/_mock/faults", tt.body); st != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("POST %s: %d %s, want 400 with %q", tt.body, st, body, tt.want)
		}
	}
	if _, body := ctl(t, ts, "GET", "/_mock/faults", ""); body != `{"faults":[]}` {
		t.Errorf("queued after refusals: %s", body)
	}
}
