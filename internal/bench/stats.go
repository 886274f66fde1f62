package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, which must
// be in ascending order, by the nearest-rank method: the smallest sample that
// at least p percent of the samples are less than or equal to. It returns 0
// for no samples, the minimum for p ≤ 0 and the maximum for p ≥ 100.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case p <= 0:
		return sorted[0]
	case p >= 100:
		return sorted[n-1]
	}
	rank := int(math.Ceil(p / 100 * float64(n))) // 1-based
	return sorted[max(rank, 1)-1]
}

// Median returns the median of xs (the mean of the two middle values when
// their number is even), or 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Latency summarizes a set of request latencies.
type Latency struct {
	// Count is the number of samples.
	Count int `json:"count"`
	// P50, P95, P99 and Max are percentiles of the samples.
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// Summarize sorts samples in place and returns their summary.
func Summarize(samples []time.Duration) Latency {
	slices.Sort(samples)
	return Latency{
		Count: len(samples),
		P50:   Percentile(samples, 50),
		P95:   Percentile(samples, 95),
		P99:   Percentile(samples, 99),
		Max:   Percentile(samples, 100),
	}
}
