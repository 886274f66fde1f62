package stack

import (
	"net"
	"strconv"
	"testing"
)

// FreeAddr returns a loopback address ("127.0.0.1:PORT") whose port was free
// a moment ago: the kernel picks it, the listener is closed at once, and the
// caller hands it to the program it starts.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("FreeAddr: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
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
