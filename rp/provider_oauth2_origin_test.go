package rp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// TestPaginationStaysOnOrigin: a next-page link (GitHub's Link header, Graph's
// @odata.nextLink) that points at another host is refused: the access token goes
// only to the configured API.
func TestPaginationStaysOnOrigin(t *testing.T) {
	t.Parallel()
	var stolen atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	t.Cleanup(other.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/graph/") {
			fmt.Fprintf(w, `{"value":[{"id":"g1"}],"@odata.nextLink":%q}`, other.URL+"/graph/v1.0/me/transitiveMemberOf?$skiptoken=1")
			return
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s/user/orgs?page=2>; rel="next"`, other.URL))
		fmt.Fprint(w, `[{"login":"acme"}]`)
	}))
	t.Cleanup(api.Close)
	p := &RP{client: api.Client(), log: slog.New(slog.DiscardHandler)}
	c := userinfoCall{req: httptest.NewRequest(http.MethodGet, "/", nil), token: &oauth2.Token{AccessToken: "secret-token"}}
	if _, err := p.githubList(c, api.URL+"/user/orgs"); err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("github: err = %v, want the other origin refused", err)
	}
	if _, err := p.graphGroups(context.Background(), api.URL+"/graph", "secret-token"); err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("graph: err = %v, want the other origin refused", err)
	}
	if v := stolen.Load(); v != nil {
		t.Errorf("the other host got Authorization %q", v)
	}
}
