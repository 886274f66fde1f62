package mockidp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestBackchannelLogoutsCapped: the record of sent logout tokens keeps only the
// newest maxCaptured, like captured requests, so a long-running mock stays bounded.
func TestBackchannelLogoutsCapped(t *testing.T) {
	t.Parallel()
	rp := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer rp.Close()
	p, err := New(Config{Issuer: "http://127.0.0.1:9400"})
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{ID: "demo", BackchannelLogoutURI: rp.URL}
	for i := range maxCaptured + 50 {
		p.sendBackchannelLogout(context.Background(), p.Issuer(), c, &browserSession{sid: strconv.Itoa(i), user: User{Subject: "alice"}}, p.Now())
	}
	got := p.BackchannelLogouts()
	if len(got) != maxCaptured || got[len(got)-1].SessionID != strconv.Itoa(maxCaptured+49) {
		t.Fatalf("got %d records, last sid %q; want %d, the newest last", len(got), got[len(got)-1].SessionID, maxCaptured)
	}
}
