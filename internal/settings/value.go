package settings

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A Value parses a setting's text (a flag, a variable or a YAML scalar) into
// the field the setting feeds. Make one with the functions below; [Func]
// takes any parser.
type Value struct {
	kind   string // what --help shows after the flag: string, duration, ...
	ptr    any    // the field
	set    func(string) error
	node   func(*yaml.Node) error // a YAML sequence or map; nil: scalars only
	reset  func()                 // lists: a new source replaces the value
	isBool bool                   // --flag alone means true
	inFile bool                   // only the YAML file can set it: node reads scalars too
	items  itemList               // Items
}

// Ptr is the field v feeds.
func (v Value) Ptr() any { return v.ptr }

// String feeds a string.
func String(p *string) Value {
	return Value{kind: "string", ptr: p, set: func(s string) error { *p = s; return nil }}
}

// Bytes feeds a []byte with the text as given (e.g. a PEM key).
func Bytes(p *[]byte) Value {
	return Value{kind: "string", ptr: p, set: func(s string) error { *p = []byte(s); return nil }}
}

// OneOf feeds a string that must be one of choices.
func OneOf(p *string, choices ...string) Value {
	return Value{kind: strings.Join(choices, "|"), ptr: p, set: func(s string) error {
		for _, c := range choices {
			if s == c {
				*p = s
				return nil
			}
		}
		return fmt.Errorf("want %s%s", orList(choices), didYouMean(s, choices, ""))
	}}
}

// Bool feeds a bool: true, false, 1, 0, on, off, yes or no; a flag alone
// means true.
func Bool(p *bool) Value {
	return Value{kind: "bool", ptr: p, isBool: true, set: func(s string) error {
		b, err := parseBool(s)
		*p = b
		return err
	}}
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "yes":
		return true, nil
	case "off", "no":
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errors.New("want true or false")
	}
	return b, nil
}

// Duration feeds a time.Duration written as Go writes one (90s, 20m, 1h30m).
func Duration(p *time.Duration) Value {
	return Value{kind: "duration", ptr: p, set: func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("not a duration (write e.g. 90s, 20m or 1h30m)")
		}
		*p = d
		return nil
	}}
}

// Int feeds an int.
func Int(p *int) Value {
	return Value{kind: "int", ptr: p, set: func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("not a whole number")
		}
		*p = n
		return nil
	}}
}

// List feeds a []string. A flag, a variable or a YAML string is split at
// commas and spaces ("openid profile,email"); a YAML sequence gives one item
// per element, as written.
func List(p *[]string) Value {
	return listOf(p, "list", func(s string) (string, error) { return s, nil })
}

// Prefixes feeds a []netip.Prefix: IP addresses (a single host) or CIDRs,
// split like [List].
func Prefixes(p *[]netip.Prefix) Value {
	return listOf(p, "list", func(s string) (netip.Prefix, error) {
		pfx, err := ParsePrefix(s)
		if err != nil {
			return pfx, fmt.Errorf("%q is not an IP address or CIDR (e.g. 10.0.0.0/8)", s)
		}
		return pfx, nil
	})
}

// ParsePrefix reads a CIDR ("10.1.2.3/8" is 10.0.0.0/8) or a single address
// ("10.0.0.1" is 10.0.0.1/32).
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// listOf is a list whose items parse with parse: text is split at commas
// and spaces first; each element of a YAML sequence is one item.
func listOf[T any](p *[]T, kind string, parse func(string) (T, error)) Value {
	add := func(items []string) error {
		var errs []error
		for _, s := range items {
			v, err := parse(s)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			*p = append(*p, v)
		}
		return errors.Join(errs...)
	}
	return Value{kind: kind, ptr: p, reset: func() { *p = nil },
		set: func(s string) error { return add(splitList(s)) },
		node: func(n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return errors.New("want a list")
			}
			*p = []T{}
			var texts []string
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode {
					return errors.New("want a list of single values")
				}
				texts = append(texts, item.Value)
			}
			return add(texts)
		}}
}

// ListFunc feeds a []T with parsers of its own: text (a flag or a variable) through
// parse, which may return several items; each element of a YAML sequence (a scalar
// or a map) through item. Repeated flags add up; a new source replaces the list.
// For lists whose items are more than words (public routes: "GET /healthz" or a map).
func ListFunc[T any](p *[]T, kind string, parse func(string) ([]T, error), item func(*yaml.Node) (T, error)) Value {
	return Value{kind: kind, ptr: p, reset: func() { *p = nil },
		set: func(s string) error {
			v, err := parse(s)
			*p = append(*p, v...)
			return err
		},
		node: func(n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return errors.New("want a list")
			}
			*p = []T{}
			var errs []error
			for _, el := range n.Content {
				v, err := item(el)
				if err != nil {
					errs = append(errs, fmt.Errorf("line %d: %w", el.Line, err))
					continue
				}
				*p = append(*p, v)
			}
			return errors.Join(errs...)
		}}
}

// splitList splits "a b,c" into [a b c].
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// StringMap feeds a map[string]string: a YAML map, or "k=v,k2=v2" in a
// flag or variable.
func StringMap(p *map[string]string) Value {
	return Value{kind: "map", ptr: p,
		set: func(s string) error {
			m := map[string]string{}
			for _, kv := range strings.Split(s, ",") {
				k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
				if !ok || k == "" {
					return errors.New("want key=value pairs separated by commas")
				}
				m[k] = v
			}
			*p = m
			return nil
		},
		node: func(n *yaml.Node) error {
			m := map[string]string{}
			err := eachPair(n, func(k string, v *yaml.Node) error {
				if v.Kind != yaml.ScalarNode {
					return fmt.Errorf("%s: want a single value", k)
				}
				m[k] = v.Value
				return nil
			})
			*p = m
			return err
		}}
}

// ListMap feeds a map[string][]string from a YAML map whose values are lists
// (or single values).
func ListMap(p *map[string][]string) Value {
	return Value{kind: "map", ptr: p, set: yamlOnly, inFile: true,
		node: func(n *yaml.Node) error {
			m := map[string][]string{}
			err := eachPair(n, func(k string, v *yaml.Node) error {
				switch v.Kind {
				case yaml.ScalarNode:
					m[k] = []string{v.Value}
				case yaml.SequenceNode:
					for _, item := range v.Content {
						if item.Kind != yaml.ScalarNode {
							return fmt.Errorf("%s: want a list of single values", k)
						}
						m[k] = append(m[k], item.Value)
					}
				default:
					return fmt.Errorf("%s: want a list", k)
				}
				return nil
			})
			*p = m
			return err
		}}
}

// AnyMap feeds a map[string]any with a YAML map as YAML reads it (strings,
// numbers, booleans, lists, maps).
func AnyMap(p *map[string]any) Value {
	return Value{kind: "map", ptr: p, set: yamlOnly, inFile: true,
		node: func(n *yaml.Node) error {
			if n.Kind != yaml.MappingNode {
				return errors.New("want a map of key: value")
			}
			m := map[string]any{}
			if err := n.Decode(&m); err != nil {
				return errors.New("want a map of key: value")
			}
			*p = m
			return nil
		}}
}

func yamlOnly(string) error { return errors.New("can only be set in the configuration file") }

// eachPair calls f for each key and value of a YAML map.
func eachPair(n *yaml.Node, f func(string, *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want a map of key: value")
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		errs = append(errs, f(n.Content[i].Value, n.Content[i+1]))
	}
	return errors.Join(errs...)
}

// Func feeds p with a parser of its own; kind is what --help shows after
// the flag. For a setting no other Value fits.
func Func(p any, kind string, set func(string) error) Value {
	return Value{kind: kind, ptr: p, set: set}
}

// Items feeds a YAML list of maps, each item read by the rows rows returns
// for it (their YAML keys; flags and variables are ignored there). An
// absent key leaves *p nil; "key: []" makes it empty.
func Items[T any](p *[]*T, rows func(*T) []Setting) Value {
	return Value{kind: "list", ptr: p, set: yamlOnly, inFile: true, items: items[T]{p, rows}}
}

// itemList is the untyped side of Items.
type itemList interface {
	start()
	add() ([]Setting, any) // a new item's rows and root
	sample() ([]Setting, any)
}

type items[T any] struct {
	p    *[]*T
	rows func(*T) []Setting
}

func (it items[T]) start() { *it.p = []*T{} }

func (it items[T]) add() ([]Setting, any) {
	t := new(T)
	*it.p = append(*it.p, t)
	return it.rows(t), t
}

func (it items[T]) sample() ([]Setting, any) {
	t := new(T)
	return it.rows(t), t
}

// orList writes "a, b or c".
func orList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
