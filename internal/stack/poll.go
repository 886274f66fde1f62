package stack

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// permanentError stops Poll at once.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that Poll gives up at once instead of retrying.
func Permanent(err error) error { return permanentError{err} }

// Poll calls check every interval until it returns nil, returns an error
// wrapped with Permanent, or ctx ends; it then returns the last error. It is
// how tests wait on a condition instead of sleeping a fixed time.
func Poll(ctx context.Context, interval time.Duration, check func() error) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		if errors.As(err, new(permanentError)) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-ticker.C:
		}
	}
}
