package rp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"unicode"
)

// maxSubjectLen bounds a user id taken from a user-info answer.
const maxSubjectLen = 255

// integerID is what a numeric id may look like: an integer, written out digit for digit.
var integerID = regexp.MustCompile(`^-?[0-9]{1,40}$`)

// errNoSubject marks a user-info answer that does not identify the user.
var errNoSubject = errors.New("the user-info answer has no usable user id")

// noSubject is the error shown when the answer does not identify the user.
func noSubject(err error) error {
	return newError(http.StatusBadGateway, "provider_error",
		"The sign-in provider's answer did not say who you are, so you were not signed in.", err)
}

// decodeUserInfo decodes a user-info answer: a JSON object, numbers kept as written
// (json.Number), so that 64-bit ids stay exact.
func decodeUserInfo(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	if d.More() {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// subjectString turns the value at the subject path into the user's id: a non-empty
// string without control characters, or an integer written out exactly. Anything else
// (missing, null, empty, a fraction, a boolean, an object, a list) is refused.
func subjectString(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("%w: missing or null", errNoSubject)
	case string:
		s = x
	case json.Number:
		if !integerID.MatchString(x.String()) {
			return "", fmt.Errorf("%w: number %q is not an integer", errNoSubject, truncate(x.String(), 40))
		}
		s = x.String()
	case float64: // decoded without UseNumber: exact only up to 2^53
		if x != float64(int64(x)) || x > 1<<53 || x < -(1<<53) {
			return "", fmt.Errorf("%w: number %v is not an exact integer", errNoSubject, x)
		}
		s = fmt.Sprintf("%d", int64(x))
	default:
		return "", fmt.Errorf("%w: a %T", errNoSubject, v)
	}
	switch {
	case strings.TrimSpace(s) == "":
		return "", fmt.Errorf("%w: empty", errNoSubject)
	case len(s) > maxSubjectLen:
		return "", fmt.Errorf("%w: longer than %d bytes", errNoSubject, maxSubjectLen)
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", fmt.Errorf("%w: control characters", errNoSubject)
	}
	return s, nil
}

// claimText reads a display claim: a string, or a number written out; else "".
func claimText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

// isTrue reports whether a claim is true or "true".
func isTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// at returns the value at a mapping path: the member named path, or else dotted.
func at(doc map[string]any, path string) any {
	if path == "" {
		return nil
	}
	if v, ok := doc[path]; ok {
		return v
	}
	return lookup(doc, strings.Split(path, "."))
}

// drop deletes the value at a mapping path.
func drop(doc map[string]any, path string) {
	if path == "" {
		return
	}
	if _, ok := doc[path]; ok {
		delete(doc, path)
		return
	}
	elems := strings.Split(path, ".")
	if parent, ok := lookup(doc, elems[:len(elems)-1]).(map[string]any); ok {
		delete(parent, elems[len(elems)-1])
	}
}

// mapClaims builds a user's claims from a user-info answer: the answer's members, with
// the mapped standard claims over them (sub, name, preferred_username, picture, groups,
// and email with email_verified true when the address is verified). An address that
// is not verified is removed from the answer too. doc is not modified.
func mapClaims(doc map[string]any, m ClaimMapping, trustEmail bool) (map[string]any, error) {
	sub, err := subjectString(at(doc, m.Subject))
	if err != nil {
		return nil, err
	}
	claims := deepCopy(doc)
	drop(claims, m.Email)
	for _, k := range []string{"email", "email_verified"} {
		delete(claims, k) // set below from the mapping only
	}
	claims["sub"] = sub
	set := func(k, path string) {
		delete(claims, k)
		if v := claimText(at(doc, path)); v != "" {
			claims[k] = v
		}
	}
	set("name", m.Name)
	set("preferred_username", m.PreferredUsername)
	set("picture", m.Picture)
	if m.Groups != "" {
		groups := []any{}
		for _, g := range groupsFrom(doc, []string{m.Groups}) {
			groups = append(groups, g)
		}
		claims["groups"] = groups
	}
	if email := claimText(at(doc, m.Email)); email != "" && emailVerified(doc, m.EmailVerified, trustEmail) {
		claims["email"], claims["email_verified"] = email, true
	}
	return claims, nil
}

// emailVerified reports whether every verified path is true; with no path, whether
// the provider's emails are trusted.
func emailVerified(doc map[string]any, paths string, trust bool) bool {
	list := splitGroupsClaim(paths)
	if len(list) == 0 {
		return trust
	}
	for _, path := range list {
		if !isTrue(at(doc, path)) {
			return false
		}
	}
	return true
}

// deepCopy copies a decoded JSON value's objects and lists.
func deepCopy(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = deepValue(v)
	}
	return out
}

func deepValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepValue(e)
		}
		return l
	}
	return v
}
