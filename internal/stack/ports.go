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
//
// A port is handed out at most once per process (see [handedOut]): the program
// it was for may not have bound it yet when the next address is asked for.
func Addr() (string, error) {
	if lo, ok := ephemeralLow(); ok {
		for range 32 {
			port := below(lo)
			if !handedOut.reserve(port, lo-minPort) {
				continue // handed out before; try another
			}
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				continue // taken; try another
			}
			addr := l.Addr().String()
			l.Close()
			return addr, nil
		}
	}
	for range 32 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("free port: %w", err)
		}
		addr := l.Addr().(*net.TCPAddr)
		l.Close()
		if handedOut.reserve(addr.Port, 1<<15) {
			return addr.String(), nil
		}
	}
	return "", fmt.Errorf("free port: the kernel kept handing out ports given out before")
}

// handedOut remembers the ports Addr returned in this process. Two addresses
// asked for one after the other (a stack's mockidp and rp, a Redis node's
// client and bus ports, parallel tests starting their programs) are both free
// until the first program binds its port, so a random pick, or the kernel, can
// return the same port twice (1 in some 12,000 for two picks below 32768), and
// the second program then fails with "address already in use".
var handedOut = &portSet{ports: map[int]bool{}}

// portSet is a set of ports, safe for concurrent use.
type portSet struct {
	mu    sync.Mutex
	ports map[int]bool
}

// reserve adds port and reports whether it was new. Once the set holds half of
// the n ports it picks from, it starts over: ports that old are long bound, or
// their program long gone, and random picks would otherwise hit it too often.
func (s *portSet) reserve(port, n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ports[port] {
		return false
	}
	if len(s.ports) >= n/2 {
		clear(s.ports)
	}
	s.ports[port] = true
	return true
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
