package settings

import (
	"fmt"
	"strings"
)

// A Problem is one thing wrong with a configuration, in the operator's words.
type Problem struct {
	// Where names what the operator wrote: "--clock-skew",
	// "RP_CLOCK_SKEW", or "rp.yaml:5:13: clock_skew" (file, line, column,
	// key); empty for the configuration as a whole.
	Where string
	// Msg says what is wrong and, where it can, what to do.
	Msg string
	// Warning problems do not stop the command.
	Warning bool
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// A Report collects every problem of a configuration, in the order found.
// Startup and --check-config print it the same way: [Report.Err] for the
// errors, [Report.Warnings] one per line.
type Report struct {
	Problems []Problem
}

// Errorf adds an error at where.
func (r *Report) Errorf(where, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Where: where, Msg: fmt.Sprintf(format, args...)})
}

// Warnf adds a warning at where.
func (r *Report) Warnf(where, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Where: where, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// Add appends other's problems to r.
func (r *Report) Add(other Report) { r.Problems = append(r.Problems, other.Problems...) }

// Warnings are the problems that do not stop the command.
func (r Report) Warnings() []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Err is nil when r holds no error, else an [*Error] with every error, and
// the warnings, which may explain them (a misspelt variable).
func (r Report) Err() error {
	e := &Error{}
	for _, p := range r.Problems {
		if p.Warning {
			e.Warnings = append(e.Warnings, p)
		} else {
			e.Problems = append(e.Problems, p)
		}
	}
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// Error is a configuration that cannot be used. Its text is one line for one
// problem, else a count and one indented line per problem, then one
// indented line per warning; the command's main puts its name in front.
type Error struct {
	Problems []Problem
	Warnings []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString(e.Problems[0].String())
	} else {
		fmt.Fprintf(&b, "%d problems in the configuration:", len(e.Problems))
		for _, p := range e.Problems {
			b.WriteString("\n  " + p.String())
		}
	}
	for _, w := range e.Warnings {
		b.WriteString("\n  warning: " + w.String())
	}
	return b.String()
}

// Suggest returns the candidate closest to word (ignoring case), or "" when
// none is close enough to be a likely typo.
func Suggest(word string, candidates []string) string {
	best, bestD := "", 0
	w := strings.ToLower(word)
	for _, c := range candidates {
		d := distance(w, strings.ToLower(c))
		limit := max(1, min(3, len(w)/3))
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean is "; did you mean X?" for the closest candidate, each written
// with format (e.g. "%q", "--%s"; "" means as is), or "".
func didYouMean(word string, candidates []string, format string) string {
	s := Suggest(word, candidates)
	if s == "" {
		return ""
	}
	if format != "" {
		s = fmt.Sprintf(format, s)
	}
	return "; did you mean " + s + "?"
}

// distance is the optimal string alignment distance of a and b: inserts,
// deletes, substitutions and swaps of neighbours each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
