//go:build unix

package revocation

import (
	"os"
	"syscall"
	"unsafe"
)

// lockFile takes an exclusive flock on f, waiting for it.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

// unlockFile releases the flock on f.
func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// mapCounter maps the first 8 bytes of f (growing it if needed) shared between
// processes, as the write counter of a [File].
func mapCounter(f *os.File) (*uint64, func() error, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() < 8 {
		if err := f.Truncate(8); err != nil {
			return nil, nil, err
		}
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, 8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return (*uint64)(unsafe.Pointer(&b[0])), func() error { return syscall.Munmap(b) }, nil
}
