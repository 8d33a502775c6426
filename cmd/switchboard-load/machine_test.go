package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	stat := "cpu  1000 50 400 3000 100 20 30 0 200 0\n" +
		"cpu0 500 25 200 1500 50 10 15 0 100 0\n" +
		"cpu1 500 25 200 1500 50 10 15 0 100 0\n" +
		"intr 12345 0 0\nctxt 999\nbtime 1795400000\n"
	m, err := parseStat([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	// Busy: user, nice, system, irq, softirq, steal (guest is in user).
	if m.busy != 15*time.Second || m.idle != 31*time.Second || m.cores != 2 {
		t.Errorf("busy %v, idle %v, %d cores; want 15s, 31s, 2", m.busy, m.idle, m.cores)
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 3\n", "cpu 1 2 3 x 5 6 7 8\n"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestReadMachine(t *testing.T) {
	t.Parallel()
	m, err := readMachine()
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if m.cores < 1 || m.busy+m.idle <= 0 || m.self <= 0 {
		t.Errorf("reading = %+v", m)
	}
}

func TestSummarizeMachine(t *testing.T) {
	t.Parallel()
	first := machineSample{busy: 10 * time.Second, idle: 10 * time.Second, self: time.Second, cores: 2}
	last := machineSample{busy: 16 * time.Second, idle: 12 * time.Second, self: 2500 * time.Millisecond, cores: 2}
	m := summarizeMachine(first, last, 3*time.Second)
	want := machineSummary{Cores: 2, BusyPercent: 75, LoadToolCPUSeconds: 1.5, OtherCPUSeconds: 1.5}
	if *m != want {
		t.Errorf("summary = %+v, want %+v", *m, want)
	}
	// The daemon's reading and the machine's are not taken at the same
	// instant: the rest is never negative.
	if m := summarizeMachine(first, last, 5*time.Second); m.OtherCPUSeconds != 0 {
		t.Errorf("rest = %v, want 0", m.OtherCPUSeconds)
	}
}

func TestMachineLine(t *testing.T) {
	t.Parallel()
	m := &machineSummary{Cores: 2, BusyPercent: 90, LoadToolCPUSeconds: 2.9, OtherCPUSeconds: 8.1}
	for _, tc := range []struct {
		proc *procSummary
		want string
	}{
		{&procSummary{PID: os.Getpid() + 1, CPUSeconds: 7}, "2 cores 90% busy: the daemon 7.0s, this load tool 2.9s, the rest 8.1s"},
		{&procSummary{PID: os.Getpid(), CPUSeconds: 9.9}, "this process (daemon and load tool) 2.9s, the rest 8.1s"},
		{nil, "busy: this load tool 2.9s, the rest 8.1s"},
	} {
		var b strings.Builder
		if err := (report{Process: tc.proc, Machine: m}).writeText(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("text report lacks %q:\n%s", tc.want, b.String())
		}
	}
}
