package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pe returns the start of a PE file whose header is at off.
func pe(off uint32) []byte {
	b := make([]byte, off+8)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], off)
	copy(b[off:], "PE\x00\x00")
	return b
}

func TestExecutableKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00"), "ELF"},
		{"Mach-O 64-bit little-endian", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, "Mach-O"},
		{"Mach-O 32-bit big-endian", []byte{0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 7}, "Mach-O"},
		{"Mach-O universal", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, "Mach-O"},
		{"PE, header at 0x80", pe(0x80), "PE"},
		{"PE, header at 0x100", pe(0x100), "PE"},
		{"MZ text, no PE header", append([]byte("MZ is a postcode in this list of towns"), bytes.Repeat([]byte(" "), 100)...), ""},
		{"MZ with a pointer past the end", func() []byte { b := pe(0x80); binary.LittleEndian.PutUint32(b[0x3c:], 0x7fffffff); return b }(), ""},
		{"Go source", []byte("package main\n\nfunc main() {}\n"), ""},
		{"shell script", []byte("#!/usr/bin/env bash\nset -e\n"), ""},
		{"PNG", []byte("\x89PNG\r\n\x1a\n"), ""},
		{"empty", nil, ""},
		{"three bytes of ELF", []byte("\x7fEL"), ""},
	}
	for _, tt := range tests {
		if got := executableKind(tt.head); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	self, err := os.Executable() // this test binary: a real executable
	if err != nil {
		t.Fatal(err)
	}
	wantSelf := map[string]string{"linux": "ELF executable", "darwin": "Mach-O executable", "windows": "PE executable"}[runtime.GOOS]
	tests := []struct {
		name, path, want string
	}{
		{"the test binary", self, wantSelf},
		{"a small source file", write("a.go", []byte("package a\n")), ""},
		{"exactly 1 MiB of text", write("max.txt", bytes.Repeat([]byte("a"), MaxSize)), ""},
		{"1 MiB and a byte of text", write("big.txt", bytes.Repeat([]byte("a"), MaxSize+1)), "1048577 bytes, more than 1048576"},
		{"a PE file", write("app.exe", pe(0x80)), "PE executable"},
		{"tracked but deleted", filepath.Join(dir, "gone"), ""},
	}
	for _, tt := range tests {
		got, err := checkFile(tt.path)
		if err != nil || !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
