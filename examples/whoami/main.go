// Command whoami is the tiny upstream app of examples/docker-compose.yml: an
// app that knows nothing about OpenID Connect and trusts rp in front of it.
// It answers every path with the identity rp passed on, as JSON:
//
//	{"user": "alice", "email": "alice@example.com", "preferred_username": "alice",
//	 "groups": ["admins", "users"], "path": "/", "cookies": ["theme"]}
//
// "cookies" lists the names of the cookies it received, which shows that rp
// keeps its own session cookies to itself. /healthz answers "ok", and
// `whoami healthcheck` checks it, for a Docker HEALTHCHECK in an image with
// no shell. It listens on WHOAMI_ADDR (default 127.0.0.1:8000).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/foyer-oidc/foyer/internal/serve"
)

const defaultAddr = "127.0.0.1:8000"

const usage = `Usage: whoami              serve on WHOAMI_ADDR (default 127.0.0.1:8000)
       whoami healthcheck  check a running whoami's /healthz (exit status 0: healthy)

whoami answers every path with the identity headers rp passed on
(X-Forwarded-User, -Email, -Preferred-Username, -Groups) and the names of the
cookies it received, as JSON. It is the example app behind rp in
examples/docker-compose.yml.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "whoami:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, or runs the healthcheck subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	addr := getenv("WHOAMI_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	if len(args) == 1 && args[0] == "healthcheck" {
		return serve.Healthcheck(ctx, addr)
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		_, err := io.WriteString(stdout, usage)
		return err
	}
	if len(args) > 0 {
		return fmt.Errorf("unknown arguments %q (usage: whoami [healthcheck]; whoami --help)", args)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "whoami listening on %s\n", l.Addr())
	return serve.Run(ctx, srv, l, 5*time.Second, nil)
}

// identity is what whoami answers.
type identity struct {
	User              string   `json:"user"`
	Email             string   `json:"email"`
	PreferredUsername string   `json:"preferred_username"`
	Groups            []string `json:"groups"`
	Path              string   `json:"path"`
	Cookies           []string `json:"cookies"`
}

// handler answers /healthz and, on every other path, the identity headers.
func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		id := identity{
			User:              r.Header.Get("X-Forwarded-User"),
			Email:             r.Header.Get("X-Forwarded-Email"),
			PreferredUsername: r.Header.Get("X-Forwarded-Preferred-Username"),
			Groups:            []string{},
			Path:              r.URL.Path,
			Cookies:           []string{},
		}
		if g := r.Header.Get("X-Forwarded-Groups"); g != "" {
			// One group per element; rp percent-encodes ',', '%' and the like inside
			// a group (docs/gateway.md, "Identity header values").
			for _, e := range strings.Split(g, ",") {
				if d, err := url.PathUnescape(e); err == nil {
					e = d
				}
				id.Groups = append(id.Groups, e)
			}
		}
		for _, c := range r.Cookies() {
			id.Cookies = append(id.Cookies, c.Name)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(id)
	})
	return mux
}
