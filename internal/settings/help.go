package settings

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// Help writes --help: the table's usage, then each section's flags with
// their defaults, variables and YAML keys.
func (t *Table) Help(w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(t.Usage, "\n"))
	for _, sec := range t.Sections {
		var b strings.Builder
		for _, row := range sec.Settings {
			if row.Flag == "" {
				continue
			}
			fmt.Fprintf(&b, "  --%s", row.Flag)
			if !row.Value.isBool {
				fmt.Fprintf(&b, " %s", row.Value.kind)
			}
			fmt.Fprintf(&b, "\n        %s", row.Doc)
			if d := row.defaultDoc(); d != "" {
				fmt.Fprintf(&b, " (default %s)", d)
			}
			var also []string
			if e := row.EnvName(t.EnvPrefix); e != "" {
				also = append(also, e)
			}
			if y := row.yamlDoc(); y != "" {
				also = append(also, "YAML "+y)
			}
			if len(also) > 0 {
				fmt.Fprintf(&b, "\n        %s", strings.Join(also, ", "))
			}
			b.WriteString("\n")
		}
		if b.Len() > 0 {
			fmt.Fprintf(w, "\n%s:\n%s", sec.Title, b.String())
		}
	}
}

func (s *Setting) defaultDoc() string {
	if s.DefaultDoc != "" {
		return s.DefaultDoc
	}
	return s.Default
}

// defaultMarkdown is the default in a reference table: a value as code, a
// description as text.
func (s *Setting) defaultMarkdown() string {
	switch {
	case s.DefaultDoc != "":
		return cell(s.DefaultDoc)
	case s.Default == "" && s.Value.isBool:
		return "`false`"
	}
	return code(s.Default)
}

// Markdown writes the configuration reference: one table per section, and
// for each list of maps (Items) a table of the keys of its items.
func (t *Table) Markdown(w io.Writer) {
	all := t.all()
	for _, sec := range t.Sections {
		var rows []*Setting
		for i := range sec.Settings {
			if sec.Settings[i].under == "" { // per-item rows appear in their list's table
				rows = append(rows, &sec.Settings[i])
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "### %s\n\n", sec.Title)
		fmt.Fprintln(w, "| flag | environment | YAML key | default | meaning | feeds |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
		for _, row := range rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", code(flagName(row)), code(row.EnvName(t.EnvPrefix)),
				code(row.YAML), row.defaultMarkdown(), cell(row.Doc), code(FieldName(t.Root, row.Value.ptr)))
		}
		fmt.Fprintln(w)
		for _, row := range rows {
			if row.Value.items != nil {
				t.itemsMarkdown(w, row, all)
			}
		}
	}
}

// itemsMarkdown writes the table of the keys of each item of the list row;
// a key that also has a flag (a row Under this list) shows it.
func (t *Table) itemsMarkdown(w io.Writer, row *Setting, all []*Setting) {
	sub, root := row.Value.items.sample()
	fmt.Fprintf(w, "Each item of `%s`:\n\n", row.YAML)
	fmt.Fprintln(w, "| YAML key | flag | environment | default | meaning | feeds |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for i := range sub {
		s := &sub[i]
		flag, env := "", ""
		for _, u := range all {
			if u.under == row.YAML && u.YAML == s.YAML {
				flag, env = flagName(u), u.EnvName(t.EnvPrefix)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", code(s.YAML), code(flag), code(env),
			s.defaultMarkdown(), cell(s.Doc), code(t.itemFieldName(root, s.Value.ptr)))
	}
	fmt.Fprintln(w)
	for i := range sub {
		if sub[i].Value.items != nil {
			t.itemsMarkdown(w, &sub[i], all)
		}
	}
}

func flagName(s *Setting) string {
	if s.Flag == "" {
		return ""
	}
	return "--" + s.Flag
}

// code is s as inline code in a table cell, or "" for "".
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

// cell is s as text in a table cell: | and < are escaped.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// FieldName names the field p points to inside the struct root points to,
// from the outermost struct of another package than root's: with root a
// command's struct holding an rp.Config in a field, the field ClockSkew of
// that rp.Config is "rp.Config.ClockSkew". A field of root's own package
// (a command-only setting), or one not inside root, is "".
func FieldName(root, p any) string {
	rv := reflect.ValueOf(root)
	pv := reflect.ValueOf(p)
	if rv.Kind() != reflect.Pointer || pv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return ""
	}
	name, _ := findField(rv.Elem(), rv.Elem().Type().PkgPath(), "", pv.Pointer(), pv.Type().Elem())
	return name
}

// itemFieldName names the field p of the list item root: like FieldName,
// but an item of another package than the table's root names itself
// ("mockidp.Client.ID").
func (t *Table) itemFieldName(root, p any) string {
	rv, pv := reflect.ValueOf(root), reflect.ValueOf(p)
	if rv.Kind() != reflect.Pointer || pv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return ""
	}
	pkg := reflect.TypeOf(t.Root).Elem().PkgPath()
	owner := ""
	if it := rv.Elem().Type(); it.PkgPath() != pkg {
		owner = it.String()
	}
	name, _ := findField(rv.Elem(), pkg, owner, pv.Pointer(), pv.Type().Elem())
	return name
}

// FormatDuration writes d as an operator would: 1m, 1h, 24h, 1h30m, 90s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// findField searches the fields of the struct v for the one at addr of type
// typ. owner names v from the outermost struct of another package than pkg;
// it is "" while still in pkg.
func findField(v reflect.Value, pkg, owner string, addr uintptr, typ reflect.Type) (string, bool) {
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		self, inner := "", ""
		switch {
		case owner != "":
			self = owner + "." + sf.Name
			inner = self
		case f.Kind() == reflect.Struct && f.Type().PkgPath() != pkg:
			inner = f.Type().String() // rp.Config, or an embedded rp.ProviderConfig
		}
		if f.Addr().Pointer() == addr && f.Type() == typ {
			return self, true
		}
		if f.Kind() == reflect.Struct {
			if n, ok := findField(f, pkg, inner, addr, typ); ok {
				return n, true
			}
		}
	}
	return "", false
}

// Fields maps the Go name of each field rows feed inside root (e.g. "Alg"
// for the Alg field of a mockidp.Config in root) to the field, for
// rewriting a library's messages, which name its fields, in the operator's
// words ([Result.Where]).
func Fields(root any, rows []Setting) map[string]any {
	out := map[string]any{}
	rv := reflect.ValueOf(root)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return out
	}
	for _, row := range rows {
		pv := reflect.ValueOf(row.Value.ptr)
		if pv.Kind() != reflect.Pointer {
			continue
		}
		if name := goName(rv.Elem(), pv.Pointer(), pv.Type().Elem()); name != "" {
			out[name] = row.Value.ptr
		}
	}
	return out
}

// goName is the name of the field at addr of type typ in the struct v or
// the structs inside it.
func goName(v reflect.Value, addr uintptr, typ reflect.Type) string {
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Addr().Pointer() == addr && f.Type() == typ {
			return v.Type().Field(i).Name
		}
		if f.Kind() == reflect.Struct {
			if n := goName(f, addr, typ); n != "" {
				return n
			}
		}
	}
	return ""
}

// Rows returns every row of t, in order.
func (t *Table) Rows() []Setting {
	var out []Setting
	for _, r := range t.all() {
		out = append(out, *r)
	}
	return out
}
