package rp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMalformedInputNeverFails500 throws garbage at every route: no panic, no 500.
func TestMalformedInputNeverFails500(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpt{})
	handler := h.srv.Config.Handler
	long := strings.Repeat("A", 100_000)
	tests := []struct {
		method, target, body, contentType string
		cookie                            *http.Cookie
	}{
		{"GET", "/auth/login?provider=" + long, "", "", nil},
		{"GET", "/auth/login?provider=%00%ff&rd=%zz", "", "", nil},
		{"GET", "/auth/callback", "", "", nil},
		{"GET", "/auth/callback?state=" + long + "&code=x", "", "", nil},
		{"GET", "/auth/callback?state=a&state=b&iss=x&iss=y", "", "", nil},
		{"GET", "/auth/callback?error=%3Cscript%3Ealert(1)%3C/script%3E&error_description=" + long, "", "", nil},
		{"POST", "/auth/callback", long + long + long, "application/x-www-form-urlencoded", nil},
		{"POST", "/auth/callback", "%zz=%zz&state", "application/x-www-form-urlencoded", nil},
		{"POST", "/auth/callback", "{}", "application/json", nil},
		{"POST", "/auth/logout", "csrf=" + long, "application/x-www-form-urlencoded", nil},
		{"POST", "/auth/logout", "%%%", "application/x-www-form-urlencoded", nil},
		{"POST", "/auth/backchannel-logout", "logout_token=a.b.c", "application/x-www-form-urlencoded", nil},
		{"POST", "/auth/backchannel-logout", "logout_token=" + long, "application/x-www-form-urlencoded", nil},
		{"PUT", "/auth/login", "", "", nil},
		{"DELETE", "/auth/userinfo", "", "", nil},
		{"GET", "/auth/nothing", "", "", nil},
		{"GET", "/auth/userinfo", "", "", &http.Cookie{Name: sessionCookie, Value: long[:3000]}},
		{"GET", "/app/", "", "", &http.Cookie{Name: sessionCookie, Value: "!!!"}},
		{"GET", "/auth/callback?state=s&code=c", "", "", &http.Cookie{Name: "foyer_login_x", Value: "garbage"}},
		{"GET", "/auth/logout", "", "", &http.Cookie{Name: sessionCookie + "_1", Value: "orphan-chunk"}},
		{"GET", "/auth/logout/done?state=" + long, "", "", &http.Cookie{Name: logoutCookie, Value: "x"}},
	}
	for _, tc := range tests {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		if tc.cookie != nil {
			req.AddCookie(tc.cookie)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s: status %d, want no 5xx", tc.method, truncate(tc.target, 60), rec.Code)
		}
		if strings.Contains(rec.Body.String(), "<script>alert(1)") {
			t.Errorf("%s %s: reflected markup unescaped", tc.method, truncate(tc.target, 60))
		}
	}
}
