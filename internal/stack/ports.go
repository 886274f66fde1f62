package stack

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Addr returns a loopback address ("127.0.0.1:PORT") whose port was free a
// moment ago, for a program the caller starts next. The port is picked below
// the kernel's ephemeral range (ip_local_port_range) when that range is known:
// a port from the range, freed again, may be handed out at once as the source
// port of any outgoing connection on the machine — a parallel test's, say —
// and the program then fails to bind it ("address already in use"). Below the
// range only another explicit bind can take it. Elsewhere (no /proc, or a range
// that starts low) the kernel picks.
func Addr() (string, error) {
	if lo, ok := ephemeralLow(); ok {
		for range 32 {
			port := below(lo)
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				continue // taken; try another
			}
			addr := l.Addr().String()
			l.Close()
			return addr, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// minPort is the lowest port Addr picks: above the well-known and most
// registered services' ports.
const minPort = 20000

// ephemeralLow returns the first port of the kernel's ephemeral range, when it
// leaves at least 1,000 ports between minPort and itself; read once per process.
var ephemeralLow = sync.OnceValues(func() (int, bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, false
	}
	return parsePortRangeLow(string(b))
})

// parsePortRangeLow reads the low end of "LOW\tHIGH\n" and reports whether it
// leaves room below it.
func parsePortRangeLow(s string) (int, bool) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, false
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo-minPort < 1000 || lo > 65535 {
		return 0, false
	}
	return lo, true
}

// below picks a port in [minPort, lo).
func below(lo int) int { return minPort + rand.IntN(lo-minPort) }

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
