package redisstore_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/foyer-oidc/foyer/rp"
	"github.com/foyer-oidc/foyer/rp/redisstore"
)

// Several replicas of a Go app share sessions through Redis: each builds the same
// configuration (same cookie secret, same Redis) and gets the same sessions, logouts
// and refreshes.
func ExampleNewSessionStore() {
	ctx := context.Background()
	st, err := redisstore.New(ctx, redisstore.Options{
		URL:          os.Getenv("REDIS_URL"),                   // e.g. rediss://:password@redis:6380/0
		IndexSecrets: [][]byte{[]byte(os.Getenv("INDEX_KEY"))}, // keys the index names
	})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	cfg := rp.Config{
		PublicURL:     "https://app.example.com",
		Providers:     []rp.ProviderConfig{{ID: "corp", Issuer: "https://sso.example.com", ClientID: "app", ClientSecret: os.Getenv("CLIENT_SECRET")}},
		CookieSecrets: [][]byte{[]byte(os.Getenv("COOKIE_SECRET"))},
	}
	// The session store also serves as the revocation list and the logout-token
	// replay cache, and /readyz reports Redis.
	cfg.SessionStore = redisstore.NewSessionStore(st, redisstore.SessionStoreConfig{IdleTimeout: cfg.IdleTimeout})
	auth, err := rp.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", auth.Handler())
	mux.HandleFunc("/readyz", auth.Readyz)
	mux.Handle("/", auth.RequireLogin(auth.Home()))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
