package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/foyer-oidc/foyer/internal/settings"
	"github.com/foyer-oidc/foyer/mockidp"
)

// resolve turns what was read into a mockidp.Config: the signing key and
// the clients and users of the file. Problems go to res.
func (c *config) resolve(res *settings.Result) mockidp.Config {
	cfg := c.IdP
	switch {
	case c.SigningKey != "" && c.SigningKeyFile != "":
		res.Errorf(res.Where(&c.SigningKeyFile), "set signing_key or signing_key_file, not both")
	case c.SigningKey != "":
		cfg.SigningKeyPEM = []byte(c.SigningKey)
	case c.SigningKeyFile != "":
		path := c.SigningKeyFile
		if res.FromFile(&c.SigningKeyFile) && !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(c.File), path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			res.Errorf(res.Where(&c.SigningKeyFile), "cannot read the key: %v", unwrapPath(err))
		}
		cfg.SigningKeyPEM = b
	}
	if c.Clients != nil {
		cfg.Clients = make([]mockidp.Client, 0, len(c.Clients))
		for _, cl := range c.Clients {
			cfg.Clients = append(cfg.Clients, *cl)
		}
	}
	for _, ti := range c.TrustedIssuers {
		cfg.TrustedIssuers = append(cfg.TrustedIssuers, *ti)
	}
	if c.Users != nil {
		cfg.Users = make([]mockidp.User, 0, len(c.Users))
		for _, u := range c.Users {
			cfg.Users = append(cfg.Users, *u)
		}
	}
	return cfg
}

// unwrapPath drops the "open PATH: " of an *os.PathError, whose path the
// message already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var (
	// goField is a mockidp.Config field at the start of one of mockidp's
	// messages, with an index for Clients[0] and Users[1].
	goField = regexp.MustCompile(`^([A-Z][A-Za-z]*)(?:\[(\d+)\])?(.*)$`)
	// clientLine is a message about one client: `client "demo": ...`.
	clientLine = regexp.MustCompile(`^client "([^"]*)": (?:([A-Z][A-Za-z]*): ?)?(.*)$`)
	// quotedValue is the value a message quotes after the field's name.
	quotedValue = regexp.MustCompile(`^ ("(?:[^"\\]|\\.)*"|[^\s":]+)(.*)$`)
	// multiLine is NewMulti's `issuer "name": ...`.
	multiLine = regexp.MustCompile(`^(issuer "[^"]*": )(.*)$`)
)

// explain rewrites the error of mockidp.New or NewMulti, whose lines name
// Config fields (Alg, PublicURL, Clients[0]), in the operator's words: the
// flag, variable or YAML key (with its line and column) that set the field.
func explain(err error, c *config, res *settings.Result) error {
	fields := settings.Fields(c, table(c).Rows())
	lists := map[string]any{"Clients": &c.Clients, "Users": &c.Users}
	var rep settings.Report
	for _, line := range strings.Split(err.Error(), "\n") {
		for _, p := range []string{"mockidp: NewMulti: ", "mockidp: invalid config: ", "mockidp: "} {
			line = strings.ReplaceAll(line, p, "")
		}
		prefix := ""
		if m := multiLine.FindStringSubmatch(line); m != nil {
			prefix, line = m[1], m[2]
		}
		if m := clientLine.FindStringSubmatch(line); m != nil {
			rep.Errorf(clientWhere(c, res, m[1], m[2]), "%s%s", prefix, m[3])
			continue
		}
		if m := goField.FindStringSubmatch(line); m != nil {
			if p, ok := fields[m[1]]; ok && m[2] == "" {
				where, rest := prefix+res.Where(p), m[3]
				if q := quotedValue.FindStringSubmatch(rest); q != nil {
					where, rest = where+" "+q[1], q[2]
				}
				rep.Errorf(where, "%s", strings.TrimPrefix(rest, ": "))
				continue
			}
			if p, ok := lists[m[1]]; ok {
				where := res.Where(p)
				if m[2] != "" {
					where += "[" + m[2] + "]"
				}
				rep.Errorf(prefix+where, "%s", strings.TrimPrefix(m[3], ": "))
				continue
			}
		}
		rep.Errorf("", "%s%s", prefix, line)
	}
	return rep.Err()
}

// clientWhere names the client id's field, or the client, as set.
func clientWhere(c *config, res *settings.Result, id, field string) string {
	i := slices.IndexFunc(c.Clients, func(cl *mockidp.Client) bool { return cl.ID == id })
	if i < 0 {
		return fmt.Sprintf("client %q", id)
	}
	cl := c.Clients[i]
	if p, ok := settings.Fields(cl, clientSettings(cl))[field]; ok && field != "" {
		return res.Where(p)
	}
	return res.Where(&cl.ID)
}
