package settings

import (
	"fmt"
	"strings"
)

// The generated part of a document sits between these two lines; name is
// the command ("rp", "mockidp").
const (
	beginMark = "<!-- BEGIN GENERATED %s settings: go generate ./cmd/%s; edit cmd/%s/settings.go, not this block -->\n"
	endMark   = "<!-- END GENERATED %s settings -->\n"
)

// Reference is t's configuration reference ([Table.Markdown]) between the
// marks that [ReplaceReference] looks for.
func (t *Table) Reference() string {
	var b strings.Builder
	fmt.Fprintf(&b, beginMark, t.Program, t.Program, t.Program)
	b.WriteString("\n")
	t.Markdown(&b)
	fmt.Fprintf(&b, endMark, t.Program)
	return b.String()
}

// ReplaceReference returns doc with the generated block of program replaced
// by ref, and the block it replaced. It fails when doc has no such block.
func ReplaceReference(doc, program, ref string) (string, string, error) {
	begin := fmt.Sprintf(beginMark, program, program, program)
	end := fmt.Sprintf(endMark, program)
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", "", fmt.Errorf("no generated block for %s (a line %q, then %q)", program, strings.TrimSpace(begin), strings.TrimSpace(end))
	}
	j += len(end)
	return doc[:i] + ref + doc[j:], doc[i:j], nil
}
