package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/foyer-oidc/foyer/rp/redisstore"
	"github.com/redis/go-redis/v9"
)

// Sessions of one browser: create at sign-in, load on each request, end at sign-out.
// An error is either "signed out" (ErrNotFound) or "answer 503" (ErrUnavailable).
func Example() {
	ctx := context.Background()
	st, err := redisstore.New(ctx, redisstore.Options{URL: "redis://127.0.0.1:6379/0"})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	// At sign-in: a new ticket, which goes into the session cookie.
	ticket, err := st.Create(ctx, []byte(`{"sub":"alice"}`),
		redisstore.Index{Issuer: "https://idp.example", Subject: "alice", SID: "abc"},
		time.Hour, 12*time.Hour)
	if err != nil {
		log.Print(err) // Redis down: the sign-in fails with 503
		return
	}

	// On each request.
	data, err := st.Load(ctx, ticket)
	switch {
	case errors.Is(err, redisstore.ErrNotFound):
		fmt.Println("signed out: clear the cookie, sign in again")
	case errors.Is(err, redisstore.ErrUnavailable):
		fmt.Println(http.StatusServiceUnavailable) // fail closed, keep the cookie
	case err == nil:
		fmt.Printf("signed in: %s\n", data)
	}

	// A back-channel logout token from https://idp.example names sid "abc".
	n, err := st.DeleteBySID(ctx, "https://idp.example", "abc")
	fmt.Println(n, err)
}

// Refresh under rotation: one replica at a time refreshes a session, and reads it
// again after taking the lock.
func ExampleStore_LockWait() {
	ctx := context.Background()
	st, _ := redisstore.New(ctx, redisstore.Options{URL: "redis://127.0.0.1:6379/0"})
	defer st.Close()
	var ticket string // from the request's cookie

	id, ok := redisstore.SessionID(ticket)
	if !ok {
		return // signed out
	}
	unlock, err := st.LockWait(ctx, id, 10*time.Second, 3*time.Second)
	if err != nil {
		return // ErrLocked: still held after 3s; ErrUnavailable: 503
	}
	defer unlock()
	data, err := st.Load(ctx, ticket) // again: another replica may have refreshed it
	if err != nil {
		return
	}
	// ... if the tokens in data still need a refresh, refresh, then:
	_ = st.Update(ctx, ticket, data, time.Hour)
}

// Route go-redis's own log lines (failed dials during an outage) through slog.
func ExampleClientLogger() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output for this example
			}
			return a
		},
	}))
	l := redisstore.ClientLogger{Logger: logger.With("component", "go-redis")}
	_ = func() { redis.SetLogger(l) } // what main does; not run here: it is process-wide
	l.Printf(context.Background(), "redis: connection pool: failed to dial: %s\n", "connection refused")
	// Output: level=WARN msg="redis: connection pool: failed to dial: connection refused" component=go-redis
}
