package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlError matches the "yaml: line N: ..." of a syntax error.
var yamlError = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// readYAML reads the configuration file into the rows; the file was
// named by setting (e.g. --config).
func (r *Result) readYAML(rows []*Setting, path, setting string, readFile func(string) ([]byte, error)) {
	b, err := readFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		r.Errorf(fmt.Sprintf("%s %q", setting, path), "cannot read the configuration file: %v", err)
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		where, msg := path, err.Error()
		if m := yamlError.FindStringSubmatch(msg); m != nil {
			if m[1] != "" {
				where += ":" + m[1]
			}
			msg = m[2]
		}
		r.Errorf(where, "not valid YAML: %s", msg)
		return
	}
	if len(doc.Content) == 0 {
		return // an empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		r.Errorf(pos(path, root), "want settings as key: value lines at the top of the file")
		return
	}
	d := decoder{r: r, file: path}
	d.mapping(root, rows, "", "")
}

// decoder reads YAML nodes into rows.
type decoder struct {
	r    *Result
	file string
}

// mapping reads the map n into rows: keys are matched with prefix + key
// (prefix is the dotted path of an enclosing map); item is the list item
// the map is, e.g. "providers[2]", or "" at the top of the file.
func (d *decoder) mapping(n *yaml.Node, rows []*Setting, prefix, item string) {
	top := item == ""
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := prefix + k.Value
		shown := key
		if item != "" {
			shown = item + "." + key
		}
		if line, dup := seen[key]; dup {
			d.r.Errorf(pos(d.file, k)+": "+shown, "set twice (first on line %d)", line)
			continue
		}
		seen[key] = k.Line
		if row := d.find(rows, key, top); row != nil {
			d.value(row, v, pos(d.file, k)+": "+shown)
			continue
		}
		if v.Kind == yaml.MappingNode && slices.ContainsFunc(rows, func(s *Setting) bool {
			return d.applies(s, top) && strings.HasPrefix(s.YAML, key+".")
		}) {
			d.mapping(v, rows, key+".", item)
			continue
		}
		d.unknown(rows, k, prefix, item, top)
	}
}

// applies reports whether row's YAML key can appear in a map at the top of
// the file (top) or in a list item.
func (d *decoder) applies(row *Setting, top bool) bool {
	return row.YAML != "" && (!top || row.under == "")
}

func (d *decoder) find(rows []*Setting, key string, top bool) *Setting {
	for _, row := range rows {
		if d.applies(row, top) && row.YAML == key {
			return row
		}
	}
	return nil
}

// unknown reports the key k, suggesting the closest known key at its level.
func (d *decoder) unknown(rows []*Setting, k *yaml.Node, prefix, item string, top bool) {
	var known []string
	for _, row := range rows {
		if !d.applies(row, top) || !strings.HasPrefix(row.YAML, prefix) {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(row.YAML, prefix), ".")
		if !slices.Contains(known, first) {
			known = append(known, first)
		}
	}
	where := pos(d.file, k)
	in := ""
	switch {
	case item != "" && prefix != "":
		in = " in " + item + "." + strings.TrimSuffix(prefix, ".")
	case item != "":
		in = " in " + item
	case prefix != "":
		in = " in " + strings.TrimSuffix(prefix, ".")
	}
	if top {
		for _, row := range rows {
			if row.under != "" && row.YAML == prefix+k.Value {
				d.r.Errorf(where, "%s belongs in an item of %s, not at the top of the file", k.Value, row.under)
				return
			}
		}
	}
	d.r.Errorf(where, "unknown key %q%s%s", k.Value, in, didYouMean(k.Value, known, "%q"))
}

// value reads the node v into row; where is its position and key.
func (d *decoder) value(row *Setting, v *yaml.Node, where string) {
	val := row.Value
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return // "key:" with no value: not set
	}
	var err error
	switch {
	case val.items != nil:
		err = d.items(row, v, where)
	case v.Kind == yaml.ScalarNode && !val.inFile:
		if val.reset != nil {
			val.reset()
		}
		if err = val.set(v.Value); err != nil {
			where = d.r.quoted(row, where, v.Value, fromFile)
		}
	case val.node != nil:
		err = val.node(v)
	default:
		err = fmt.Errorf("want a single value, not a %s", kindName(v))
	}
	if err != nil {
		d.r.errorsAt(where, err)
		return
	}
	d.r.sources[val.ptr] = source{layer: fromFile, where: where}
}

// items reads a YAML list of maps with an Items value.
func (d *decoder) items(row *Setting, v *yaml.Node, where string) error {
	if v.Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list (each item starting with -), not a %s", kindName(v))
	}
	row.Value.items.start()
	item := row.YAML
	if row.under != "" {
		item = row.under + "[]." + item
	}
	for i, el := range v.Content {
		sub, _ := row.Value.items.add()
		applyDefaults(sub)
		name := fmt.Sprintf("%s[%d]", item, i)
		if el.Kind != yaml.MappingNode {
			d.r.Errorf(pos(d.file, el)+": "+name, "want key: value lines, not a %s", kindName(el))
			continue
		}
		ptrs := make([]*Setting, len(sub))
		for j := range sub {
			sub[j].under = ""
			ptrs[j] = &sub[j]
		}
		d.mapping(el, ptrs, "", name)
	}
	return nil
}

// pos is "file:line:column" of n.
func pos(file string, n *yaml.Node) string {
	return fmt.Sprintf("%s:%d:%d", file, n.Line, n.Column)
}

// kindName names the kind of a YAML node in messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "map"
	case yaml.AliasNode:
		return "alias"
	}
	return "single value"
}

// applyDefaults parses each row's default into its field.
func applyDefaults(rows []Setting) {
	for _, row := range rows {
		if row.Default != "" {
			if err := row.Value.set(row.Default); err != nil {
				panic(fmt.Sprintf("settings: default of %s: %v", row.name(), err))
			}
		}
	}
}
