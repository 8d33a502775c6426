package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports; reading it properly
// would need sysconf through cgo.
const clockTicks = 100

// procSample is one reading of a process's memory and CPU time.
type procSample struct {
	RSS int64         // bytes
	CPU time.Duration // user + system
	// Waited is how long the process's threads were ready to run but
	// waited for a core, summed over the threads alive at the reading.
	Waited time.Duration
}

// readProc reads VmRSS from /proc/<pid>/status, utime+stime from
// /proc/<pid>/stat and the run-queue waits from each thread's schedstat.
func readProc(pid int) (procSample, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return procSample{}, err
	}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procSample{}, err
	}
	s, err := parseProc(status, stat)
	if err != nil {
		return s, err
	}
	// Kernels without schedstats have no such files: the wait stays 0.
	tasks, _ := filepath.Glob(dir + "/task/*/schedstat")
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		if w, err := parseSchedstat(b); err == nil {
			s.Waited += w
		}
	}
	return s, nil
}

// parseSchedstat reads the run-queue wait, the second of a schedstat
// file's three numbers (time on a core, time waiting for one, in
// nanoseconds, and time slices).
func parseSchedstat(b []byte) (time.Duration, error) {
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, errors.New("proc: short schedstat")
	}
	ns, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(ns), nil
}

// parseProc extracts the sample from the two files' contents.
func parseProc(status, stat []byte) (procSample, error) {
	var s procSample
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				return s, errors.New("proc: bad VmRSS line")
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return s, err
			}
			s.RSS = kb * 1024
		}
	}
	// The command name (field 2) is in parentheses and may contain spaces
	// or parentheses itself, so fields are counted from the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, errors.New("proc: bad stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After ')' come state (field 3), ..., utime (14), stime (15).
	if len(f) < 13 {
		return s, errors.New("proc: short stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return s, err
	}
	s.CPU = time.Duration(ut+st) * time.Second / clockTicks
	return s, nil
}

// procSummary is the report's view of the daemon process.
type procSummary struct {
	PID        int     `json:"pid"`
	RSSMaxMB   float64 `json:"rss_max_mb"`
	RSSEndMB   float64 `json:"rss_end_mb"`
	CPUSeconds float64 `json:"cpu_s"`
	// CPUPercent is CPU time over wall time: 100 is one core busy.
	CPUPercent float64 `json:"cpu_percent"`
	// WaitedSeconds is how long its threads were ready to run and waited
	// for a core: on a machine shared with the database and the load
	// generator, the time every request and round trip queues for.
	WaitedSeconds float64 `json:"run_queue_wait_s"`
	Note          string  `json:"note,omitempty"`
}

// sampler reads a process every interval, keeping the peak RSS.
type sampler struct {
	pid   int
	first procSample
	start time.Time

	mu     sync.Mutex
	last   procSample
	maxRSS int64
	err    error
}

// newSampler takes the first reading; CPU is counted from here.
func newSampler(pid int) (*sampler, error) {
	s0, err := readProc(pid)
	if err != nil {
		return nil, err
	}
	return &sampler{pid: pid, first: s0, last: s0, maxRSS: s0.RSS, start: time.Now()}, nil
}

// restart counts CPU and the largest RSS from a new first reading.
func (s *sampler) restart() error {
	r, err := readProc(s.pid)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.first, s.last, s.maxRSS, s.start, s.err = r, r, r.RSS, time.Now(), nil
	return nil
}

// sample takes one reading.
func (s *sampler) sample() {
	r, err := readProc(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return
	}
	s.last = r
	s.maxRSS = max(s.maxRSS, r.RSS)
}

// rssMB is the last reading's RSS.
func (s *sampler) rssMB() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mb(s.last.RSS)
}

// summary is the CPU used since the first reading and the RSS seen.
func (s *sampler) summary(note string) *procSummary {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	cpu := s.last.CPU - s.first.CPU
	wall := time.Since(s.start)
	p := &procSummary{PID: s.pid, RSSMaxMB: mb(s.maxRSS), RSSEndMB: mb(s.last.RSS), CPUSeconds: round2(cpu.Seconds()),
		WaitedSeconds: round2((s.last.Waited - s.first.Waited).Seconds()), Note: note}
	if wall > 0 {
		p.CPUPercent = round2(100 * cpu.Seconds() / wall.Seconds())
	}
	if s.err != nil {
		p.Note = strings.TrimSpace(p.Note + " last reading failed: " + s.err.Error())
	}
	return p
}

func mb(b int64) float64 { return round2(float64(b) / (1 << 20)) }
