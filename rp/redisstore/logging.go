package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// ClientLogger adapts a *slog.Logger to go-redis's process-wide logger, whose lines
// (failed dials, pool errors) otherwise go to stderr unstructured. go-redis has one
// logger per process, so a program sets it once, in main:
//
//	redis.SetLogger(redisstore.ClientLogger{Logger: logger})
//
// Lines are logged at warn level; add attributes with Logger.With (e.g.
// component=go-redis). go-redis does not put passwords or values in these lines.
type ClientLogger struct {
	// Logger receives the lines. Nil: slog.Default().
	Logger *slog.Logger
}

// Printf implements go-redis's logging interface.
func (l ClientLogger) Printf(ctx context.Context, format string, v ...any) {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}
