// Package procstat reads CPU time and memory of this and other processes
// on Linux, for benchmark reports that account for every process involved
// (the pipeline, the broker, ClickHouse).
package procstat

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// CPUSeconds is this process's user+system CPU time.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// PeakRSS is this process's high-water resident set (VmHWM), in bytes,
// since it started or since the last ResetPeakRSS.
func PeakRSS() int64 {
	if hwm := statusKB("self", "VmHWM:"); hwm > 0 {
		return hwm
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024 // Linux reports KiB
}

// ResetPeakRSS lowers this process's high-water resident set to its
// current one, so that benchmark runs sharing a process each report
// their own peak. Linux only; elsewhere the peak keeps accumulating.
func ResetPeakRSS() {
	// "5" resets the peak RSS (Documentation/filesystems/proc.rst).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// RSS is this process's current resident set, in bytes.
func RSS() int64 { return statusKB("self", "VmRSS:") }

// PeakRSSOf reads another process's VmHWM, in bytes (0 if unknown).
func PeakRSSOf(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	return statusKB(strconv.Itoa(pid), "VmHWM:")
}

// CPUSecondsOf reads another process's user+system time (0 if unknown).
func CPUSecondsOf(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are
	// the 14th and 15th fields overall, in clock ticks (100 per second).
	rest := b[bytes.LastIndexByte(b, ')')+2:]
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

func statusKB(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
