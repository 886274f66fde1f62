package soak

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Sample is one measurement of the target during a soak.
type Sample struct {
	// Seconds since the load started.
	Seconds float64 `json:"s"`
	// Mem is the memory measure of the target in bytes (see Report.MemKind).
	Mem int64 `json:"mem"`
	// Goroutines is the goroutine (or thread) count (see Report.GoroutineKind).
	Goroutines int `json:"goroutines"`
	// Requests is the number of requests sent so far.
	Requests int64 `json:"requests"`
}

// Check is one pass criterion and its outcome.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Report is the outcome of a soak.
type Report struct {
	Mode     Mode   `json:"mode"`
	Duration string `json:"duration"`
	Users    int    `json:"users"`
	Workers  int    `json:"workers"`
	// SessionStore is rp's --session-store ("" for cookie sessions).
	SessionStore string `json:"session_store,omitempty"`

	Requests        int64            `json:"requests"`
	ByKind          map[string]int64 `json:"by_kind"`
	Status          map[int]int64    `json:"status"`
	ServerErrors    int64            `json:"server_errors"`    // 5xx answers
	WrongUser       int64            `json:"wrong_user"`       // an answer naming someone else
	LetIn           int64            `json:"let_in"`           // a hostile request or signed-out user accepted
	Unexpected      int64            `json:"unexpected"`       // lost sessions, wrong statuses, off-site redirects
	TransportErrors int64            `json:"transport_errors"` // connection failures and timeouts
	SignIns         int64            `json:"sign_ins"`
	SignOuts        int64            `json:"sign_outs"`
	Hostile         int64            `json:"hostile"`
	Refreshes       int64            `json:"refreshes"` // refresh_token grants answered by the provider

	MemKind            string   `json:"mem_kind"`
	GoroutineKind      string   `json:"goroutine_kind"`
	Samples            []Sample `json:"samples"`
	MemStart           int64    `json:"mem_start"`
	MemEnd             int64    `json:"mem_end"` // after the goroutine wait
	MemMax             int64    `json:"mem_max"` // the largest sample during the load
	GoroutinesBaseline int      `json:"goroutines_baseline"`
	GoroutinesPeak     int      `json:"goroutines_peak"`
	GoroutinesEnd      int      `json:"goroutines_end"`
	// GoroutinesSettleSeconds is how long after the load the end count was taken.
	GoroutinesSettleSeconds float64 `json:"goroutines_settle_seconds"`

	Checks   []Check  `json:"checks"`
	Failures []string `json:"failures,omitempty"` // the first failures, for diagnosis
}

// Passed reports whether every check passed.
func (r *Report) Passed() bool {
	for _, c := range r.Checks {
		if !c.Passed {
			return false
		}
	}
	return len(r.Checks) > 0
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) {
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	store := "cookie sessions"
	if r.SessionStore != "" {
		store = "session store " + r.SessionStore
	}
	fmt.Fprintf(w, "soak: %s, mode %s, %s, %d users, %d workers\n", r.Duration, r.Mode, store, r.Users, r.Workers)
	fmt.Fprintf(w, "requests %d (sign-ins %d, sign-outs %d, refreshes %d, hostile %d)\n",
		r.Requests, r.SignIns, r.SignOuts, r.Refreshes, r.Hostile)
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-22s %d\n", k, r.ByKind[k])
	}
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var st []string
	for _, c := range codes {
		st = append(st, fmt.Sprintf("%d×%d", c, r.Status[c]))
	}
	fmt.Fprintf(w, "statuses: %s\n", strings.Join(st, " "))
	fmt.Fprintf(w, "5xx %d, wrong user %d, let in %d, unexpected %d, transport errors %d\n",
		r.ServerErrors, r.WrongUser, r.LetIn, r.Unexpected, r.TransportErrors)
	fmt.Fprintf(w, "%s: start %s, max during the load %s, end %s (after the goroutine wait)\n",
		r.MemKind, mib(r.MemStart), mib(r.MemMax), mib(r.MemEnd))
	fmt.Fprintf(w, "%s: baseline %d, peak %d, end %d (%.0f s after the load)\n", r.GoroutineKind,
		r.GoroutinesBaseline, r.GoroutinesPeak, r.GoroutinesEnd, r.GoroutinesSettleSeconds)
	var series []string
	for _, s := range r.Samples {
		series = append(series, fmt.Sprintf("%.0fs:%.1f", s.Seconds, float64(s.Mem)/(1<<20)))
	}
	fmt.Fprintf(w, "memory series (MiB): %s\n", strings.Join(series, " "))
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %s: %s\n", mark, c.Name, c.Detail)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  failure: %s\n", f)
	}
}

// tally counts what the virtual users saw. It is safe for concurrent use.
type tally struct {
	mu       sync.Mutex
	r        *Report
	failures []string
}

const maxFailures = 20

func (t *tally) request(kind string, status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.r.Requests++
	t.r.ByKind[kind]++
	t.r.Status[status]++
	if status >= 500 {
		t.r.ServerErrors++
		t.noteLocked(fmt.Sprintf("%s: status %d", kind, status))
	}
}

// failure kinds
const (
	failWrongUser = iota
	failLetIn
	failUnexpected
	failTransport
)

func (t *tally) fail(kind int, format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch kind {
	case failWrongUser:
		t.r.WrongUser++
	case failLetIn:
		t.r.LetIn++
	case failUnexpected:
		t.r.Unexpected++
	case failTransport:
		t.r.Requests++
		t.r.TransportErrors++
	}
	t.noteLocked(fmt.Sprintf(format, args...))
}

func (t *tally) count(field *int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	*field++
}

func (t *tally) noteLocked(s string) {
	if len(t.failures) < maxFailures {
		t.failures = append(t.failures, s)
	}
}

func (t *tally) requests() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.r.Requests
}
