package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine's CPU over a run: how busy its cores were and who kept them
// busy. On a small server the daemon, the database and this load tool
// share the cores, and a latency that is queueing for a core is told
// apart from one that is not only by how busy they were, and by whom.

// machineSample is one reading of the cores' busy and idle time, summed
// over all of them, and this process's own CPU time.
type machineSample struct {
	busy, idle time.Duration
	cores      int
	self       time.Duration
}

// readMachine reads /proc/stat and this process's /proc/self/stat.
func readMachine() (machineSample, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineSample{}, err
	}
	m, err := parseStat(b)
	if err != nil {
		return m, err
	}
	self, err := readProc(os.Getpid())
	m.self = self.CPU
	return m, err
}

// parseStat reads /proc/stat's "cpu" line (user, nice, system, idle,
// iowait, irq, softirq, steal, in clock ticks; guest time is counted in
// user already) and counts the "cpuN" lines.
func parseStat(b []byte) (machineSample, error) {
	var m machineSample
	found := false
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] != "cpu" {
			m.cores++
			continue
		}
		if len(f) < 9 {
			return m, errors.New("proc: short cpu line in /proc/stat")
		}
		var t [8]int64
		for i := range t {
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return m, err
			}
			t[i] = v
		}
		busy := t[0] + t[1] + t[2] + t[5] + t[6] + t[7]
		m.busy = time.Duration(busy) * time.Second / clockTicks
		m.idle = time.Duration(t[3]+t[4]) * time.Second / clockTicks
		found = true
	}
	if !found {
		return m, errors.New("proc: no cpu line in /proc/stat")
	}
	return m, nil
}

// machineSummary is the report's view of the machine over the run.
type machineSummary struct {
	Cores int `json:"cores"`
	// BusyPercent is the share of all cores' time that was busy.
	BusyPercent float64 `json:"busy_percent"`
	// LoadToolCPUSeconds is this process's CPU time: with --inprocess
	// the daemon's too.
	LoadToolCPUSeconds float64 `json:"load_tool_cpu_s"`
	// OtherCPUSeconds is the busy time that was neither this process's
	// nor the daemon's: the database's, on a machine that runs nothing
	// else.
	OtherCPUSeconds float64 `json:"other_cpu_s"`
}

// summarizeMachine is the machine's CPU between two readings; daemon is
// the daemon's CPU time over them when it is another local process (0
// otherwise).
func summarizeMachine(first, last machineSample, daemon time.Duration) *machineSummary {
	busy, idle := last.busy-first.busy, last.idle-first.idle
	self := last.self - first.self
	s := &machineSummary{Cores: last.cores, LoadToolCPUSeconds: round2(self.Seconds()),
		OtherCPUSeconds: round2(max(busy-self-daemon, 0).Seconds())}
	if busy+idle > 0 {
		s.BusyPercent = round2(100 * busy.Seconds() / (busy + idle).Seconds())
	}
	return s
}
