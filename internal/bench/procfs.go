package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// CPUTime returns the user plus system CPU time that process pid (all its
// threads) has used so far, from /proc/PID/stat; pid 0 means this process.
// Its resolution is 10 ms, so measure over long enough runs.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return 0, fmt.Errorf("cpu time: %w", err)
	}
	return parseStatCPU(b)
}

// parseStatCPU extracts utime+stime from the content of /proc/PID/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted after its closing parenthesis.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu time: malformed stat %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")": state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("cpu time: stat has %d fields after the name", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu time: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// RSS returns the resident set size of process pid in bytes, from VmRSS in
// /proc/PID/status; pid 0 means this process.
func RSS(pid int) (int64, error) {
	f, err := os.Open(procPath(pid, "status"))
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS reads the VmRSS line ("VmRSS:   12345 kB") of a status file.
func parseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(rest), " ")
		kb, err := strconv.ParseInt(num, 10, 64)
		if err != nil || unit != "kB" {
			return 0, fmt.Errorf("rss: malformed VmRSS %q", rest)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	return 0, fmt.Errorf("rss: no VmRSS line")
}

// procPath names a file under /proc for pid, or for this process if pid is 0.
func procPath(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + name
}

// cpuMeter reads the CPU time of a set of processes (pid 0: this tool).
type cpuMeter struct {
	pids   []int
	before []time.Duration
}

// newCPUMeter takes the first reading.
func newCPUMeter(pids ...int) (*cpuMeter, error) {
	m := &cpuMeter{pids: pids}
	var err error
	m.before, err = m.read()
	return m, err
}

// read returns the current CPU time of each process.
func (m *cpuMeter) read() ([]time.Duration, error) {
	out := make([]time.Duration, len(m.pids))
	for i, pid := range m.pids {
		t, err := CPUTime(pid)
		if err != nil {
			return nil, fmt.Errorf("pid %d: %w", pid, err)
		}
		out[i] = t
	}
	return out, nil
}

// since returns the CPU time each process used since the first reading.
func (m *cpuMeter) since() ([]time.Duration, error) {
	now, err := m.read()
	if err != nil {
		return nil, err
	}
	for i := range now {
		now[i] -= m.before[i]
	}
	return now, nil
}
