// Package serve holds the plumbing foyer's commands (rp, mockidp and the
// whoami example) share around an http.Server; the servers themselves, their
// flags and their handlers stay in each command.
//
// A command's main builds its listener and http.Server and hands both to
// [Run], which serves until the context ends (SIGTERM, Ctrl-C) and then shuts
// down gracefully. Unlike a bare [http.Server.Shutdown], Run does not wait for
// connections that never sent a request: browsers open such "pre-connected"
// sockets speculatively, and Shutdown would count each as busy for up to five
// seconds.
//
// Images built FROM scratch have no shell or curl for a Docker HEALTHCHECK, so
// each command has a healthcheck subcommand that calls [Healthcheck] with its
// own listen address.
//
// The commands' settings (flags, environment variables, YAML) are declared in
// package internal/settings.
package serve
