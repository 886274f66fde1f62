package rp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/foyer-oidc/foyer/rp"
)

// Example_severalProvidersWithMetrics configures two providers and records metrics in
// a registry that an application would serve at /metrics (promhttp.HandlerFor). A real
// configuration would name e.g. Keycloak and a multi-tenant Entra ID:
//
//	{ID: "entra", Kind: rp.KindEntra, Issuer: "https://login.microsoftonline.com/organizations/v2.0",
//		ClientID: "...", ClientSecret: "...", Tenants: []string{"<tenant id>"}}
func Example_severalProvidersWithMetrics() {
	ctx := context.Background()
	idp, partner := startMockProvider(), startMockProvider()
	defer idp.Close()
	defer partner.Close()
	app := httptest.NewUnstartedServer(nil)
	reg := prometheus.NewRegistry()

	auth, err := rp.New(ctx, rp.Config{
		PublicURL: "http://" + app.Listener.Addr().String(),
		Providers: []rp.ProviderConfig{
			{ID: "corp", Name: "Corporate SSO", Issuer: idp.URL, ClientID: "demo", ClientSecret: "demo-secret"},
			{ID: "partner", Name: "Partner", Issuer: partner.URL, ClientID: "demo", ClientSecret: "demo-secret"},
		},
		CookieSecrets: [][]byte{[]byte("a secret of at least thirty-two bytes!")},
		Registerer:    reg,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.Handle("/", auth.Instrument("app", auth.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := rp.UserFromContext(r.Context())
		fmt.Fprintf(w, "Hello, %s via %s!", user.Name, user.Provider)
	}))))
	app.Config.Handler = mux
	app.Start()
	defer app.Close()

	_ = auth.WaitReady(ctx) // only for this example: the first request comes at once
	// Straight to one provider; without ?provider= a page offers both.
	fmt.Println(browse(app.URL + "/auth/login?provider=corp&rd=/"))
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() == "foyer_rp_sign_ins_total" {
			for _, m := range f.GetMetric() {
				fmt.Println(f.GetName(), m.GetLabel()[1].GetValue(), m.GetLabel()[0].GetValue(), m.GetCounter().GetValue())
			}
		}
	}
	// Output:
	// Hello, Alice Example via corp!
	// foyer_rp_sign_ins_total corp success 1
}
