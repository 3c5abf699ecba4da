package procstat

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestOwnProcess(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	// getrusage and /proc account pages slightly differently.
	if rss, peak := RSS(), PeakRSS(); rss < 32<<20 || peak < rss*9/10 {
		t.Fatalf("rss %d, peak %d after touching 64 MiB", rss, peak)
	}
	if PeakRSSOf(os.Getpid()) < 32<<20 {
		t.Fatalf("PeakRSSOf(self) = %d", PeakRSSOf(os.Getpid()))
	}
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i ^ int(buf[i%len(buf)])
	}
	if CPUSeconds() <= 0 || CPUSecondsOf(os.Getpid()) <= 0 || x == 0 {
		t.Fatal("no CPU time recorded")
	}
	if CPUSecondsOf(0) != 0 || PeakRSSOf(-1) != 0 {
		t.Fatal("unknown pids must read as 0")
	}
}

func TestResetPeakRSS(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = 1
	}
	before := PeakRSS()
	buf = nil
	runtime.GC()
	debug.FreeOSMemory()
	ResetPeakRSS()
	// Right after the reset the peak is the current resident set, which
	// no longer holds the 64 MiB.
	if after := PeakRSS(); after > RSS()+8<<20 || after > before-32<<20 {
		t.Fatalf("peak %d after reset (before %d, rss %d)", after, before, RSS())
	}
}
