package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the figures were measured.
type Machine struct {
	// CPU is the processor model from /proc/cpuinfo ("unknown" if absent).
	CPU string `json:"cpu"`
	// NumCPU is the number of logical CPUs the OS reports.
	NumCPU int `json:"num_cpu"`
	// GOMAXPROCS is the Go scheduler's parallelism for this tool.
	GOMAXPROCS int `json:"gomaxprocs"`
	// GoVersion is the Go toolchain this tool was built with.
	GoVersion string `json:"go_version"`
	// OS and Arch are GOOS and GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute load averages when the
	// run started: other work on the machine skews every figure.
	LoadAvg string `json:"load_avg,omitempty"`
}

// ThisMachine returns the description of the machine the tool runs on.
func ThisMachine() Machine {
	return Machine{
		CPU:        cpuModel("/proc/cpuinfo"),
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		LoadAvg:    loadAvg("/proc/loadavg"),
	}
}

// Busy reports whether the 1-minute load average at the start exceeded the
// number of CPUs: other work was competing with the benchmark.
func (m Machine) Busy() bool {
	f := strings.Fields(m.LoadAvg)
	if len(f) == 0 {
		return false
	}
	load, err := strconv.ParseFloat(f[0], 64)
	return err == nil && load > float64(m.NumCPU)
}

// loadAvg returns the first three fields of a loadavg file, or "".
func loadAvg(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuModel returns the first "model name" (x86) or "Model"/"Hardware" (ARM)
// value of a cpuinfo file.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model name", "Model", "Hardware":
			if v := strings.TrimSpace(val); v != "" {
				return v
			}
		}
	}
	return "unknown"
}
