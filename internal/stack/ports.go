package stack

import (
	"fmt"
	"net"
	"strconv"
	"testing"
)

// Addr returns a loopback address ("127.0.0.1:PORT") whose port was free a
// moment ago: the kernel picks it, the listener is closed at once, and the
// caller hands it to the program it starts.
func Addr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// FreeAddr is [Addr] for a test: it fails t instead of returning an error.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := Addr()
	if err != nil {
		t.Fatalf("FreeAddr: %v", err)
	}
	return addr
}

// FreePort is FreeAddr's port alone.
func FreePort(t testing.TB) int {
	t.Helper()
	_, port, err := net.SplitHostPort(FreeAddr(t))
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	return n
}
