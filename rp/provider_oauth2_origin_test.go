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

// TestPaginationFollowsPages: GitHub lists and Graph collections are read to the last
// page, on the same origin.
func TestPaginationFollowsPages(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		page := r.URL.Query().Get("page") + r.URL.Query().Get("$skiptoken")
		switch {
		case strings.HasPrefix(r.URL.Path, "/graph/") && page == "":
			fmt.Fprintf(w, `{"value":[{"id":"g1"},{"@odata.type":"#microsoft.graph.directoryRole","id":"role"}],"@odata.nextLink":%q}`,
				srv.URL+"/graph/v1.0/me/transitiveMemberOf?$skiptoken=2")
		case strings.HasPrefix(r.URL.Path, "/graph/"):
			fmt.Fprint(w, `{"value":[{"@odata.type":"#microsoft.graph.group","id":"g2"}]}`)
		case page == "":
			w.Header().Set("Link", fmt.Sprintf(`<%s/user/orgs?page=2>; rel="next", <%s/user/orgs?page=2>; rel="last"`, srv.URL, srv.URL))
			fmt.Fprint(w, `[{"login":"a"}]`)
		default:
			fmt.Fprint(w, `[{"login":"b"}]`)
		}
	}))
	t.Cleanup(srv.Close)
	p := &RP{client: srv.Client(), log: slog.New(slog.DiscardHandler)}
	c := userinfoCall{req: httptest.NewRequest(http.MethodGet, "/", nil), token: &oauth2.Token{AccessToken: "t"}}
	orgs, err := p.githubList(c, srv.URL+"/user/orgs")
	if err != nil || fmtJSON(orgs) != `[{"login":"a"},{"login":"b"}]` {
		t.Errorf("github: %s %v", fmtJSON(orgs), err)
	}
	groups, err := p.graphGroups(context.Background(), srv.URL+"/graph", "t")
	if err != nil || fmtJSON(groups) != `["g1","g2"]` {
		t.Errorf("graph: %v %v, want g1 and g2 (no directory role)", groups, err)
	}
}
