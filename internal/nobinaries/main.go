// Command nobinaries fails when git tracks a file that is not source: one
// larger than 1 MiB, or one that starts like an executable (ELF, Mach-O,
// PE). It reads the list from `git ls-files` in the working directory and
// prints one line per offending file.
//
//	go run ./internal/nobinaries
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// MaxSize is the largest file git may track, in bytes.
const MaxSize = 1 << 20

func main() {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nobinaries: git ls-files:", err)
		os.Exit(2)
	}
	var bad int
	for _, name := range bytes.Split(bytes.TrimRight(out, "\x00"), []byte{0}) {
		if len(name) == 0 {
			continue
		}
		problem, err := checkFile(string(name))
		if err != nil {
			fmt.Fprintln(os.Stderr, "nobinaries:", err)
			os.Exit(2)
		}
		if problem != "" {
			fmt.Printf("%s: %s\n", name, problem)
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("nobinaries: %d tracked file(s) are not source; remove them with `git rm --cached` and ignore them\n", bad)
		os.Exit(1)
	}
}

// checkFile says what is wrong with the tracked file path, or "" when
// nothing is. A file tracked but deleted from the work tree is fine.
func checkFile(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", nil // a symlink or submodule
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	if kind := executableKind(head[:n]); kind != "" {
		return kind + " executable", nil
	}
	if st.Size() > MaxSize {
		return fmt.Sprintf("%d bytes, more than %d", st.Size(), MaxSize), nil
	}
	return "", nil
}

// executableKind names the executable format that head (a file's first
// bytes) starts with: "ELF", "Mach-O", "PE"; or "" for none.
func executableKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "ELF"
	case len(head) >= 4 && isMachO(binary.BigEndian.Uint32(head)):
		return "Mach-O"
	case isPE(head):
		return "PE"
	}
	return ""
}

// isMachO reports whether magic, read big-endian, is a Mach-O magic number:
// 32- or 64-bit in either byte order, or a universal (fat) binary.
func isMachO(magic uint32) bool {
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca:
		return true
	}
	return false
}

// isPE reports whether head is a PE (Windows) executable: the "MZ" DOS
// header whose e_lfanew field (offset 0x3c) points at "PE\0\0". The second
// check keeps a text file that happens to start with "MZ" out.
func isPE(head []byte) bool {
	if len(head) < 0x40 || !bytes.HasPrefix(head, []byte("MZ")) {
		return false
	}
	off := int(binary.LittleEndian.Uint32(head[0x3c:]))
	return off >= 0x40 && off+4 <= len(head) && bytes.Equal(head[off:off+4], []byte("PE\x00\x00"))
}
