package stack

import (
	"net"
	"strconv"
	"testing"
)

func TestParsePortRangeLow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"32768\t60999\n", 32768, true},
		{"49152 65535", 49152, true},
		{"21000 60999", 21000, true},
		{"20999 60999", 0, false}, // fewer than 1,000 ports below
		{"1024 65535", 0, false},
		{"", 0, false},
		{"32768", 0, false},
		{"x 60999", 0, false},
		{"70000 80000", 0, false},
	} {
		got, ok := parsePortRangeLow(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parsePortRangeLow(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestAddrBelowEphemeralRange: on Linux the port is outside the range the
// kernel hands out as source ports, and free.
func TestAddrBelowEphemeralRange(t *testing.T) {
	t.Parallel()
	lo, ok := ephemeralLow()
	if !ok {
		t.Skip("no usable /proc/sys/net/ipv4/ip_local_port_range here: Addr lets the kernel pick")
	}
	for range 20 {
		addr := FreeAddr(t)
		host, port, err := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		if err != nil || host != "127.0.0.1" || n < minPort || n >= lo {
			t.Fatalf("FreeAddr() = %q, want 127.0.0.1 and a port in [%d, %d)", addr, minPort, lo)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s is not free: %v", addr, err)
		}
		l.Close()
	}
}

// TestAddrHandsOutEachPortOnce: a port is never handed out twice in a process,
// even while the first program it went to has not bound it yet. With random
// picks alone, 500 of them from the 12,768 ports below 32768 would repeat one
// almost surely (and two picks, 1 time in 12,768).
func TestAddrHandsOutEachPortOnce(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 500 {
		addr := FreeAddr(t)
		if seen[addr] {
			t.Fatalf("%s handed out twice in %d addresses", addr, len(seen)+1)
		}
		seen[addr] = true
	}
}

func TestPortSetStartsOverWhenHalfFull(t *testing.T) {
	t.Parallel()
	s := &portSet{ports: map[int]bool{}}
	for _, p := range []int{1, 2} {
		if !s.reserve(p, 4) {
			t.Fatalf("reserve(%d) of a new port = false", p)
		}
	}
	if s.reserve(2, 4) {
		t.Error("reserve(2) again = true, want false")
	}
	if !s.reserve(3, 4) || s.reserve(3, 4) || !s.reserve(1, 4) {
		t.Error("a half-full set did not start over with the new port")
	}
}
