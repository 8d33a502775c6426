package main

import (
	"os"
	"testing"
	"time"
)

func TestParseProc(t *testing.T) {
	t.Parallel()
	status := []byte("Name:\tswitchboard\nVmPeak:\t  99999 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n")
	// A command name with spaces and a parenthesis must not shift fields.
	stat := []byte("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000 10240")
	s, err := parseProc(status, stat)
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS != 40960*1024 {
		t.Errorf("RSS = %d", s.RSS)
	}
	if s.CPU != 3*time.Second { // (250 + 50) ticks at 100 Hz
		t.Errorf("CPU = %v, want 3s", s.CPU)
	}
	if _, err := parseProc(status, []byte("garbage")); err == nil {
		t.Error("stat without a command name was accepted")
	}
}

func TestParseSchedstat(t *testing.T) {
	t.Parallel()
	w, err := parseSchedstat([]byte("3833000000 11056000000 22137\n"))
	if err != nil || w != 11056*time.Millisecond {
		t.Errorf("wait = %v, %v; want 11.056s", w, err)
	}
	for _, bad := range []string{"", "12", "1 x 3"} {
		if _, err := parseSchedstat([]byte(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestReadProcSelf(t *testing.T) {
	t.Parallel()
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.RSS <= 0 {
		t.Errorf("own RSS = %d", s.RSS)
	}
}

// What a run reports is counted from its start: set-up and warm-up before
// a restart are not.
func TestSamplerRestart(t *testing.T) {
	t.Parallel()
	s, err := newSampler(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	burnt, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.restart(); err != nil {
		t.Fatal(err)
	}
	if s.first.CPU < burnt.CPU || s.first.CPU == 0 {
		t.Errorf("after restart CPU counts from %v, before it %v had been used (x=%d)", s.first.CPU, burnt.CPU, x)
	}
}
