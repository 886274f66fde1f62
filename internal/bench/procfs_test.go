package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	// Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	tests := []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "1234 (rp) S 1 1234 1234 0 -1 4194560 500 0 0 0 150 50 0 0 20 0 8 0", 2 * time.Second, false},
		{"name with spaces and parentheses", "77 (a) b (c) R 1 77 77 0 -1 0 0 0 0 0 3 4 0 0", 70 * time.Millisecond, false},
		{"no parenthesis", "1234 rp S 1", 0, true},
		{"too few fields", "1 (x) S 1 2 3", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 ten 4 0", 0, true},
		{"empty", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStatCPU([]byte(tt.stat))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStatCPU(%q) error = %v, want error: %v", tt.stat, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseStatCPU(%q) = %v, want %v", tt.stat, got, tt.want)
			}
		})
	}
}

func TestParseVmRSS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{"typical", "Name:\trp\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t5\n", 12345 << 10, false},
		{"missing", "Name:\trp\nThreads:\t5\n", 0, true},
		{"bad unit", "VmRSS:\t12 MB\n", 0, true},
		{"bad number", "VmRSS:\tlots kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseVmRSS(strings.NewReader(tt.status))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOwnProcessFigures(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	if _, err := CPUTime(0); err != nil {
		t.Errorf("CPUTime(self): %v", err)
	}
	rss, err := RSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Errorf("RSS(self) = %d, %v; want a positive size", rss, err)
	}
}

func TestCPUModel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"},
		{"arm", "processor\t: 0\nBogoMIPS\t: 50.00\nModel\t: Raspberry Pi 4\n", "Raspberry Pi 4"},
		{"none", "processor\t: 0\n", "unknown"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := cpuModel(path); got != tt.want {
			t.Errorf("%s: cpuModel = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := cpuModel(filepath.Join(dir, "absent")); got != "unknown" {
		t.Errorf("absent file: cpuModel = %q, want unknown", got)
	}
}

func TestParseUsedMemory(t *testing.T) {
	t.Parallel()
	info := "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:4000000\r\n"
	if got, err := parseUsedMemory(info); err != nil || got != 1048576 {
		t.Errorf("parseUsedMemory = %d, %v; want 1048576", got, err)
	}
	if _, err := parseUsedMemory("# Memory\r\nused_memory_rss:1\r\n"); err == nil {
		t.Errorf("parseUsedMemory without used_memory: want an error")
	}
}

func TestSignInBound(t *testing.T) {
	t.Parallel()
	// The figure: 0.9 ms per signature, two per sign-in, two cores.
	if got := signInBound(2, 2, 900*time.Microsecond); got < 1111 || got > 1112 {
		t.Errorf("signInBound(2, 2, 0.9ms) = %g, want ≈ 1111", got)
	}
	if got := signInBound(2, 0, time.Millisecond); got != 0 {
		t.Errorf("signInBound with no signatures = %g, want 0", got)
	}
}

func TestMachineBusy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		load string
		want bool
	}{
		{"0.50 0.40 0.30", false},
		{"2.00 1.00 1.00", false},
		{"2.01 1.00 1.00", true},
		{"11.63 11.59 11.00", true},
		{"", false},
		{"high", false},
	}
	for _, tt := range tests {
		if got := (Machine{NumCPU: 2, LoadAvg: tt.load}).Busy(); got != tt.want {
			t.Errorf("Busy() with load %q on 2 CPUs = %v, want %v", tt.load, got, tt.want)
		}
	}
}
