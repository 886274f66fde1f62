package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample p50", []time.Duration{7}, 50, 7},
		{"one sample p99", []time.Duration{7}, 99, 7},
		{"p0 is the minimum", ten, 0, 1},
		{"negative p is the minimum", ten, -5, 1},
		{"p100 is the maximum", ten, 100, 10},
		{"over 100 is the maximum", ten, 150, 10},
		{"p50 of ten", ten, 50, 5},
		{"p51 of ten rounds up", ten, 51, 6},
		{"p90 of ten", ten, 90, 9},
		{"p99 of ten", ten, 99, 10},
		{"p1 of ten", ten, 1, 1},
		{"p50 of hundred", hundred, 50, 50},
		{"p95 of hundred", hundred, 95, 95},
		{"p99 of hundred", hundred, 99, 99},
		{"p99.9 of hundred", hundred, 99.9, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %g) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"one", []float64{3}, 3},
		{"odd, unsorted", []float64{9, 1, 5}, 5},
		{"even is the mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"outlier does not move it", []float64{1, 2, 1000}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := append([]float64(nil), tt.xs...)
			if got := Median(tt.xs); got != tt.want {
				t.Errorf("Median(%v) = %g, want %g", in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.xs[i] {
					t.Fatalf("Median modified its input: %v, want %v", tt.xs, in)
				}
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	samples := make([]time.Duration, 0, 200)
	for i := 200; i > 0; i-- { // descending: Summarize must sort
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	got := Summarize(samples)
	want := Latency{Count: 200, P50: 100 * time.Millisecond, P95: 190 * time.Millisecond,
		P99: 198 * time.Millisecond, Max: 200 * time.Millisecond}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if empty := Summarize(nil); empty != (Latency{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", empty)
	}
}
