package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a benchmark run: where, how, and the figures.
type Report struct {
	// Machine is where the figures were measured.
	Machine Machine `json:"machine"`
	// Date is when the run started (UTC).
	Date time.Time `json:"date"`
	// Method says how each figure was taken, e.g. "warm-up 1s + 3 runs × 3s, medians".
	Method string `json:"method"`
	// Commit is the source's git commit ("-dirty" with local changes), if known.
	Commit string `json:"commit,omitempty"`
	// Binaries are the programs measured.
	Binaries Binaries `json:"binaries"`
	// Rows are the figures in the order they were taken.
	Rows []Row `json:"rows"`
	// Verdicts hold each goal of issue 18 against the rows.
	Verdicts []Verdict `json:"verdicts,omitempty"`
}

// Row is one figure.
type Row struct {
	// Scenario is the group: start, signin, verify, proxy or memory.
	Scenario string `json:"scenario"`
	// Case tells variants apart, e.g. the signing algorithm or session store.
	Case string `json:"case,omitempty"`
	// Metric names the figure, e.g. "p99 latency".
	Metric string `json:"metric"`
	// Value is the figure in Unit; nil when it could not be measured.
	Value *float64 `json:"value"`
	// Unit is one of "ms", "µs", "/s", "%", "MiB", "MB", "B", "req/s", "×" or "".
	Unit string `json:"unit,omitempty"`
	// NA says why Value is missing.
	NA string `json:"na,omitempty"`
	// Goal is the target this figure is held against, if any.
	Goal string `json:"goal,omitempty"`
}

// Add appends a measured figure.
func (r *Report) Add(scenario, kase, metric string, value float64, unit, goal string) {
	r.Rows = append(r.Rows, Row{Scenario: scenario, Case: kase, Metric: metric, Value: &value, Unit: unit, Goal: goal})
}

// AddNA appends a figure that could not be measured, with the reason.
func (r *Report) AddNA(scenario, kase, metric, reason string) {
	r.Rows = append(r.Rows, Row{Scenario: scenario, Case: kase, Metric: metric, NA: reason})
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes a header naming the machine and method, then one aligned
// line per figure.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "foyer-bench %s\n", r.Date.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "cpu: %s (%d logical CPUs), GOMAXPROCS=%d, %s %s/%s\n", m.CPU, m.NumCPU, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch)
	if m.LoadAvg != "" {
		fmt.Fprintf(w, "load average at start: %s\n", m.LoadAvg)
		if m.Busy() {
			fmt.Fprintln(w, "warning: the machine was busy (load above its CPU count): other work skews throughput and tail latency")
		}
	}
	if r.Method != "" {
		fmt.Fprintf(w, "method: %s\n", r.Method)
	}
	if b := r.Binaries; b.MockIDP != "" || b.RP != "" {
		fmt.Fprintf(w, "binaries: %s, %s", b.MockIDP, b.RP)
		if r.Commit != "" {
			fmt.Fprintf(w, " (commit %s)", r.Commit)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tCASE\tMETRIC\tVALUE\tGOAL / NOTE")
	for _, row := range r.Rows {
		note := row.Goal
		if row.Value == nil {
			note = row.NA
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Scenario, row.Case, row.Metric, row.Formatted(), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Verdicts) > 0 {
		fmt.Fprintln(w, "\nverdicts (goals of issue 18; ratios are foyer ÷ oauth2-proxy):")
		for _, v := range r.Verdicts {
			fmt.Fprintf(w, "  goal %s\n    measured: %s\n    %s\n", v.Goal, orDash(v.Measured), v.Status)
		}
	}
	return nil
}

// orDash returns s, or "—" when s is empty.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Formatted returns the value with its unit and about three significant
// digits, or "n/a".
func (row Row) Formatted() string {
	if row.Value == nil {
		return "n/a"
	}
	v := *row.Value
	var s string
	switch a := math.Abs(v); {
	case a == 0 || a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if row.Unit == "" {
		return s
	}
	return strings.TrimSpace(s + " " + row.Unit)
}

// ms and us convert a duration to float milliseconds and microseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// mib converts bytes to mebibytes.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// WriteMarkdown writes the report as a Markdown table under a line naming
// the machine and method, ready for a README.
func (r *Report) WriteMarkdown(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "%s, %d logical CPUs, GOMAXPROCS=%d, %s %s/%s, %s, load average %s. %s.\n\n",
		m.CPU, m.NumCPU, m.GOMAXPROCS, m.GoVersion, m.OS, m.Arch, r.Date.UTC().Format("2006-01-02"), m.LoadAvg, r.Method)
	fmt.Fprintln(w, "| scenario | case | metric | value | goal / note |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | --- |")
	for _, row := range r.Rows {
		note := row.Goal
		if row.Value == nil {
			note = row.NA
		}
		_, err := fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", row.Scenario, row.Case,
			strings.ReplaceAll(row.Metric, "|", `\|`), row.Formatted(), strings.ReplaceAll(note, "|", `\|`))
		if err != nil {
			return err
		}
	}
	if len(r.Verdicts) > 0 {
		fmt.Fprintln(w, "\n| goal | measured | verdict |\n| --- | --- | --- |")
		for _, v := range r.Verdicts {
			esc := func(s string) string { return strings.ReplaceAll(orDash(s), "|", `\|`) }
			if _, err := fmt.Fprintf(w, "| %s | %s | %s |\n", esc(v.Goal), esc(v.Measured), esc(v.Status)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadJSON reads a report written by [Report.WriteJSON].
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return &rep, nil
}
