package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleReport is a report with one figure of each kind.
func sampleReport() *Report {
	r := &Report{
		Machine:  Machine{CPU: "Test CPU 3000", NumCPU: 2, GOMAXPROCS: 2, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", LoadAvg: "0.10 0.20 0.30"},
		Date:     time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC),
		Method:   "warm-up 1s + 3 runs × 3s per case, medians",
		Binaries: Binaries{MockIDP: "bin/mockidp", RP: "bin/rp"},
		Commit:   "abc1234",
	}
	r.Add("start", "mockidp", "exec → first 200 /jwks, p50 of 20", 7.754, "ms", "≤ 20 ms")
	r.Add("signin", "RS256", "sign-ins/s (8 VUs)", 812.4, "/s", "")
	r.Add("signin", "RS256", "% of RS256 bound", 73.26, "%", "≥ 70 %")
	r.Add("proxy", "cookie", "added by proxy: p50", -3.2, "µs", "")
	r.Add("memory", "cookie", "failed sign-ins", 0, "", "0")
	r.AddNA("memory", "redis", "bytes per session", "no redis-server on PATH")
	return r
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sampleReport().WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", buf.Bytes())
}

func TestWriteMarkdown(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sampleReport().WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md", buf.Bytes())
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Machine Machine `json:"machine"`
		Rows    []struct {
			Scenario, Case, Metric, Unit, NA, Goal string
			Value                                  *float64
		} `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.Bytes())
	}
	if got.Machine.CPU != "Test CPU 3000" || got.Machine.GOMAXPROCS != 2 {
		t.Errorf("machine = %+v, want the sample's", got.Machine)
	}
	if len(got.Rows) != 6 {
		t.Fatalf("%d rows, want 6", len(got.Rows))
	}
	first := got.Rows[0]
	if first.Scenario != "start" || first.Unit != "ms" || first.Value == nil || *first.Value != 7.754 {
		t.Errorf("row 0 = %+v, want start, 7.754 ms", first)
	}
	if zero := got.Rows[4]; zero.Value == nil || *zero.Value != 0 {
		t.Errorf("a measured zero must stay a number: row 4 value = %v", zero.Value)
	}
	if na := got.Rows[5]; na.Value != nil || na.NA != "no redis-server on PATH" {
		t.Errorf("n/a row = value %v, na %q; want null and the reason", na.Value, na.NA)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"value": null`)) {
		t.Errorf("an n/a figure must be a JSON null:\n%s", buf.Bytes())
	}
}

func TestRowFormatted(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		row  Row
		want string
	}{
		{Row{Value: f(1234.56), Unit: "/s"}, "1235 /s"},
		{Row{Value: f(12.345), Unit: "ms"}, "12.3 ms"},
		{Row{Value: f(0.0456), Unit: "ms"}, "0.05 ms"},
		{Row{Value: f(-3.21), Unit: "µs"}, "-3.21 µs"},
		{Row{Value: f(0)}, "0"},
		{Row{NA: "no docker"}, "n/a"},
	}
	for _, tt := range tests {
		if got := tt.row.Formatted(); got != tt.want {
			t.Errorf("Formatted(%+v) = %q, want %q", tt.row, got, tt.want)
		}
	}
}
