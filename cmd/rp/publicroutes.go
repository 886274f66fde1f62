package main

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/foyer-oidc/foyer/rp"
)

// parsePublicRoutes reads the text of --public-route or RP_PUBLIC_ROUTES: one route
// or several separated by commas ("GET /healthz, /static/"). A comma separates routes
// only where a route begins after it (a path, "~" or a method and a path), so that a
// regex such as "~/v{1,3}/x" keeps its comma.
func parsePublicRoutes(s string) ([]rp.PublicRoute, error) {
	var texts []string
	for _, piece := range strings.Split(s, ",") {
		if len(texts) > 0 && !beginsRoute(piece) {
			texts[len(texts)-1] += "," + piece
			continue
		}
		texts = append(texts, piece)
	}
	var out []rp.PublicRoute
	var errs []error
	for _, t := range texts {
		r, err := rp.ParsePublicRoute(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// beginsRoute reports whether s (after spaces) starts a route: "/", "~", or an
// upper-case method followed by a space and "/" or "~".
func beginsRoute(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") {
		return true
	}
	m, rest, ok := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	return ok && m != "" && strings.ToUpper(m) == m && (strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "~"))
}

// publicRouteItem reads one item of public_routes: a string as --public-route takes,
// or a map {methods, path, prefix, regex, host}.
func publicRouteItem(n *yaml.Node) (rp.PublicRoute, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return rp.ParsePublicRoute(n.Value)
	case yaml.MappingNode:
	default:
		return rp.PublicRoute{}, errors.New(`want "[METHOD ]PATH" or a map {methods, path, prefix, regex, host}`)
	}
	var r rp.PublicRoute
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if k == "methods" {
			switch v.Kind {
			case yaml.ScalarNode:
				r.Methods = append(r.Methods, v.Value)
			case yaml.SequenceNode:
				for _, m := range v.Content {
					r.Methods = append(r.Methods, m.Value)
				}
			}
			continue
		}
		if v.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("%s: want a single value", k))
			continue
		}
		switch k {
		case "path":
			r.Path = v.Value
		case "prefix":
			r.Prefix = v.Value
		case "regex":
			r.Regex = v.Value
		case "host":
			r.Host = v.Value
		default:
			errs = append(errs, fmt.Errorf("unknown key %q (want methods, path, prefix, regex or host)", k))
		}
	}
	return r, errors.Join(errs...)
}
