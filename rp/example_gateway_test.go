package rp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/foyer-oidc/foyer/rp"
)

// ExampleRP_Proxy guards an app in another process (any language): rp signs people
// in and passes their identity on in headers; the app trusts only rp.
func ExampleRP_Proxy() {
	ctx := context.Background()
	idp := startMockProvider()
	defer idp.Close()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s in groups %s", r.Header.Get(rp.HeaderUser), r.Header.Get(rp.HeaderGroups))
	}))
	defer app.Close()
	front := httptest.NewUnstartedServer(nil)

	auth, err := rp.New(ctx, rp.Config{
		PublicURL:     "http://" + front.Listener.Addr().String(),
		Providers:     []rp.ProviderConfig{{ID: "corp", Issuer: idp.URL, ClientID: "demo", ClientSecret: "demo-secret"}},
		CookieSecrets: [][]byte{[]byte("a secret of at least thirty-two bytes!")},
		Gateway:       rp.GatewayConfig{Rules: []rp.Rule{{PathPrefix: "/admin", Groups: []string{"admins"}}}},
	})
	if err != nil {
		panic(err)
	}
	upstream, _ := url.Parse(app.URL)
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.Handle("/", auth.Proxy(upstream, rp.ProxyOptions{}))
	front.Config.Handler = mux
	front.Start()
	defer front.Close()

	_ = auth.WaitReady(ctx)
	fmt.Println(browse(front.URL + "/admin/reports"))
	// Output: alice in groups admins,users
}
