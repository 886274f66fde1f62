package rp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/foyer-oidc/foyer/mockidp"
	"github.com/foyer-oidc/foyer/rp"
)

// Example protects a Go application: every page needs a signed-in user.
func Example() {
	ctx := context.Background()
	idp := startMockProvider() // stands in for Google, Entra ID, Keycloak, ...
	defer idp.Close()
	app := httptest.NewUnstartedServer(nil)

	auth, err := rp.New(ctx, rp.Config{
		PublicURL:     "http://" + app.Listener.Addr().String(),
		Providers:     []rp.ProviderConfig{{ID: "corp", Issuer: idp.URL, ClientID: "demo", ClientSecret: "demo-secret"}},
		CookieSecrets: [][]byte{[]byte("a secret of at least thirty-two bytes!")},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.Handle("/", auth.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := rp.UserFromContext(r.Context())
		fmt.Fprintf(w, "Hello, %s (%s)!", user.Name, user.Email)
	})))
	app.Config.Handler = mux
	app.Start()
	defer app.Close()

	_ = auth.WaitReady(ctx) // only for this example: the first request comes at once
	fmt.Println(browse(app.URL + "/"))
	// Output: Hello, Alice Example (alice@example.com)!
}

// ExampleUserFromContext reads the signed-in user inside a handler.
func ExampleUserFromContext() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		if user, ok := rp.UserFromContext(r.Context()); ok {
			fmt.Fprintln(w, "signed in as", user.Subject, "at", user.Issuer)
		}
	}
	_ = handler
}

// ExampleSafeReturnPath shows which return paths are kept.
func ExampleSafeReturnPath() {
	fmt.Println(rp.SafeReturnPath("/reports?year=2026"))
	fmt.Println(rp.SafeReturnPath("//evil.example"))
	fmt.Println(rp.SafeReturnPath("/%5Cevil.example"))
	// Output:
	// /reports?year=2026
	// /
	// /
}

func startMockProvider() *httptest.Server {
	srv := httptest.NewUnstartedServer(nil)
	p, err := mockidp.New(mockidp.Config{Issuer: "http://" + srv.Listener.Addr().String(), Login: mockidp.LoginAuto})
	if err != nil {
		panic(err)
	}
	srv.Config.Handler = p
	srv.Start()
	return srv
}

// browse fetches url like a browser: following redirects, keeping cookies.
func browse(url string) string {
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
