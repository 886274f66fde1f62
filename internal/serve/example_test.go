package serve_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/foyer-oidc/foyer/internal/serve"
)

func ExampleRun() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	// In a command, ctx comes from signal.NotifyContext(..., syscall.SIGTERM).
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serve.Run(ctx, srv, ln, 10*time.Second, nil) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	stop() // SIGTERM
	fmt.Println("Run returned:", <-done)
	// Output:
	// hello
	// Run returned: <nil>
}

func ExampleHealthcheck() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	go http.Serve(ln, mux)
	defer ln.Close()

	// The server's listen address, as the command was told it (0.0.0.0 in a container).
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	fmt.Println(serve.Healthcheck(context.Background(), "0.0.0.0:"+port))
	// Output: <nil>
}
