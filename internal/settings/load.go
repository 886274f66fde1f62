package settings

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Source layers, lowest precedence first.
const (
	fromDefault = iota
	fromFile
	fromEnv
	fromFlag
)

// Result is what [Table.Load] found besides the values, which it wrote to
// the fields the table's rows feed.
type Result struct {
	// Report holds every problem found, warnings included.
	Report
	// Help is set when the command line asked for --help (or -h).
	Help bool
	// Args are the arguments after "--".
	Args []string

	table   *Table
	sources map[any]source // by field
}

// source is where a field's value came from.
type source struct {
	layer int
	where string // as messages name it: "--addr", "RP_ADDR", "rp.yaml:3:7: addr"
}

// assign is a text value for a row from a flag or a variable.
type assign struct {
	row   *Setting
	text  string
	where string
}

// Load applies each row's default, then the YAML file (named by the
// ConfigFile setting), the environment (environ holds "KEY=value" entries;
// an empty value counts as unset) and the command line, each overriding the
// one before. It reports every problem: unknown flags, unknown keys, values
// that do not parse, and, as warnings, unknown variables with the table's
// prefix. readFile reads the YAML file; nil means os.ReadFile.
func (t *Table) Load(args, environ []string, readFile func(string) ([]byte, error)) *Result {
	if readFile == nil {
		readFile = os.ReadFile
	}
	res := &Result{table: t, sources: map[any]source{}}
	rows := t.all()
	for _, row := range rows {
		applyDefaults([]Setting{*row})
	}
	flags := res.parseArgs(rows, args)
	env := res.readEnv(rows, environ)
	if t.ConfigFile != nil {
		where := ""
		for _, a := range slices.Concat(env, flags) {
			if a.row.Value.ptr == any(t.ConfigFile) {
				*t.ConfigFile, where = a.text, a.where
			}
		}
		if *t.ConfigFile != "" {
			res.readYAML(rows, *t.ConfigFile, where, readFile)
		}
	}
	res.apply(fromEnv, env)
	res.apply(fromFlag, flags)
	return res
}

// parseArgs reads flags as the flag package does (-name, --name, -name=value,
// -name value; a boolean flag takes a value only after "="), reporting every
// unknown flag.
func (r *Result) parseArgs(rows []*Setting, args []string) []assign {
	byFlag := map[string]*Setting{}
	var names []string
	for _, row := range rows {
		if row.Flag != "" {
			byFlag[row.Flag] = row
			names = append(names, row.Flag)
		}
	}
	var out []assign
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			r.Args = args[i+1:]
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			r.Errorf("", "unexpected argument %q (flags start with --)", arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		if name == "h" || name == "help" {
			r.Help = true
			continue
		}
		row := byFlag[name]
		if row == nil {
			r.Errorf("", "unknown flag --%s%s", name, didYouMean(name, names, "--%s"))
			if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++ // most likely its value
			}
			continue
		}
		switch {
		case hasValue:
		case row.Value.isBool:
			value = "true"
		case i+1 < len(args):
			i++
			value = args[i]
		default:
			r.Errorf("--"+name, "needs a value")
			continue
		}
		out = append(out, assign{row: row, text: value, where: "--" + name})
	}
	return out
}

// readEnv reads the rows' variables and warns about unknown ones with the
// table's prefix.
func (r *Result) readEnv(rows []*Setting, environ []string) []assign {
	prefix := r.table.EnvPrefix
	byEnv := map[string]*Setting{}
	var names []string
	for _, row := range rows {
		if e := row.EnvName(prefix); e != "" {
			byEnv[e] = row
			names = append(names, strings.TrimPrefix(e, prefix))
		}
	}
	var out []assign
	seen := map[string]bool{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if seen[k] {
			continue
		}
		seen[k] = true
		row := byEnv[k]
		switch {
		case row != nil && v != "":
			out = append(out, assign{row: row, text: v, where: k})
		case row == nil && prefix != "" && strings.HasPrefix(k, prefix):
			hint := ""
			if s := Suggest(strings.TrimPrefix(k, prefix), names); s != "" {
				hint = "; did you mean " + prefix + s + "?"
			}
			r.Warnf(k, "not a setting of %s, ignored%s", r.table.Program, hint)
		}
	}
	// Apply in the table's order, so that messages come in a stable order.
	slices.SortStableFunc(out, func(a, b assign) int { return slices.Index(rows, a.row) - slices.Index(rows, b.row) })
	return out
}

// apply sets the values of one layer; the first value of a row in a layer
// replaces a list, later ones in the same layer add to it.
func (r *Result) apply(layer int, as []assign) {
	touched := map[*Setting]bool{}
	for _, a := range as {
		v := a.row.Value
		if v.inFile {
			r.Errorf(a.where, "can only be set in the configuration file (%s)", a.row.YAML)
			continue
		}
		if !touched[a.row] && v.reset != nil {
			v.reset()
		}
		touched[a.row] = true
		if err := v.set(a.text); err != nil {
			r.errorsAt(r.quoted(a.row, a.where, a.text, layer), err)
			continue
		}
		r.sources[v.ptr] = source{layer: layer, where: a.where}
	}
}

// errorsAt adds err at where, one problem per joined error.
func (r *Result) errorsAt(where string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			r.errorsAt(where, e)
		}
		return
	}
	r.Errorf(where, "%v", err)
}

// quoted is where with the value the operator gave, unless it is secret or
// a list (whose items' messages quote themselves).
func (r *Result) quoted(row *Setting, where, text string, layer int) string {
	if row.Secret || row.Value.reset != nil {
		return where
	}
	if layer == fromEnv {
		return fmt.Sprintf("%s=%q", where, text)
	}
	return fmt.Sprintf("%s %q", where, text)
}

// IsSet reports whether a flag, a variable or the file set the field p.
func (r *Result) IsSet(p any) bool {
	s, ok := r.sources[p]
	return ok && s.layer > fromDefault
}

// FromFile reports whether the field p got its value from the YAML file.
func (r *Result) FromFile(p any) bool { return r.sources[p].layer == fromFile }

// Where names the field p the way the operator set it: "--upstream",
// "RP_UPSTREAM", "rp.yaml:7:11: upstream" (with file, line and column), or,
// when nothing set it, its flag (else its YAML key).
func (r *Result) Where(p any) string {
	if s, ok := r.sources[p]; ok && s.where != "" {
		return s.where
	}
	for _, row := range r.table.all() {
		if row.Value.ptr == p {
			return row.name()
		}
	}
	return ""
}

// name is how messages name a row that was not set: its flag, else its YAML
// key.
func (s *Setting) name() string {
	if s.Flag != "" {
		return "--" + s.Flag
	}
	return s.yamlDoc()
}

// HowToSet lists every way to set the field p, for a message saying what to
// do: "--cookie-secret-file, RP_COOKIE_SECRET_FILE or cookie_secret_file in
// the configuration file".
func (t *Table) HowToSet(p any) string {
	for _, row := range t.all() {
		if row.Value.ptr != p {
			continue
		}
		var ways []string
		if row.Flag != "" {
			ways = append(ways, "--"+row.Flag)
		}
		if e := row.EnvName(t.EnvPrefix); e != "" {
			ways = append(ways, e)
		}
		switch {
		case row.YAML != "" && row.under != "":
			ways = append(ways, row.YAML+" in an item of "+row.under+" in the configuration file")
		case row.YAML != "":
			ways = append(ways, row.YAML+" in the configuration file")
		}
		return orList(ways)
	}
	return ""
}
