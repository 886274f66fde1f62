package settings

import (
	"strings"
)

// A Setting is one value an operator can set, declared once.
type Setting struct {
	// Flag is the command-line flag without dashes ("client-id"); empty when
	// the setting is YAML only.
	Flag string
	// Env is the environment variable. Empty: the table's prefix + Flag in
	// upper snake case (RP_CLIENT_ID); "-": none.
	Env string
	// YAML is the key in the configuration file; dotted for a key of a
	// nested map ("assertion.key_file"); empty when the setting is not in
	// the file.
	YAML string
	// Default, when not empty, is parsed into Value before any source is
	// read, and shown in --help and the reference.
	Default string
	// DefaultDoc is shown instead of Default for a default that is
	// computed ("http:// + addr") or applied later by the library.
	DefaultDoc string
	// Doc is one line saying what the setting does.
	Doc string
	// Value parses text into the field the setting feeds.
	Value Value
	// Secret settings never have their values repeated in messages.
	Secret bool

	// under is the YAML list (e.g. "providers") in whose items YAML is a
	// key; set with [Under].
	under string
}

// EnvName is the environment variable of s in a table with prefix.
func (s Setting) EnvName(prefix string) string {
	switch {
	case s.Env == "-":
		return ""
	case s.Env != "":
		return s.Env
	case s.Flag == "":
		return ""
	}
	return EnvName(prefix, s.Flag)
}

// EnvName is prefix + name in upper snake case: EnvName("RP_", "client-id")
// is "RP_CLIENT_ID".
func EnvName(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// yamlDoc is the YAML key as the reference shows it.
func (s Setting) yamlDoc() string {
	if s.YAML == "" || s.under == "" {
		return s.YAML
	}
	return s.under + "[]." + s.YAML
}

// Under marks rows whose YAML keys belong in the items of the YAML list
// named list rather than at the top of the file: with rp, --client-id
// configures the provider given by --issuer, and client_id is a key of each
// item of providers:. Their flags and variables work as usual.
func Under(list string, rows ...Setting) []Setting {
	out := make([]Setting, len(rows))
	for i, r := range rows {
		r.under = list
		out[i] = r
	}
	return out
}

// A Section is a group of settings under one heading in --help and the
// reference.
type Section struct {
	Title    string
	Settings []Setting
}

// A Table declares every setting of a command.
type Table struct {
	// Program is the command's name, used in messages and help.
	Program string
	// EnvPrefix is the prefix of the command's environment variables
	// ("RP_").
	EnvPrefix string
	// Usage is the start of --help, before the flags.
	Usage string
	// Root points to the struct the values live in; the reference names
	// the field each setting feeds relative to it.
	Root any
	// ConfigFile is the destination of the setting that names the YAML
	// file; nil: the command reads no file.
	ConfigFile *string
	// Sections hold the settings, in the order of --help and the reference.
	Sections []Section
}

// all returns every row of t in order.
func (t *Table) all() []*Setting {
	var out []*Setting
	for i := range t.Sections {
		for j := range t.Sections[i].Settings {
			out = append(out, &t.Sections[i].Settings[j])
		}
	}
	return out
}
