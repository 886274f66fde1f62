//go:build !unix

package revocation

import "os"

// lockFile does nothing: without flock, only one process may use a [File].
func lockFile(*os.File) error { return nil }

// unlockFile does nothing.
func unlockFile(*os.File) {}

// mapCounter maps nothing: reads stat the journal instead.
func mapCounter(*os.File) (*uint64, func() error, error) { return nil, nil, nil }
