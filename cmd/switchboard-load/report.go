package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// report is the final result, printed as text or JSON.
type report struct {
	Target     string  `json:"target"`
	Duration   float64 `json:"duration_s"`
	Sent       int64   `json:"sent"`
	Accepted   int64   `json:"accepted"`
	Duplicates int64   `json:"duplicates"`
	AcceptedPS float64 `json:"accepted_per_s"`
	// NewClients counts the events sent from a client new to the hub.
	NewClients int              `json:"new_clients"`
	Errors     map[string]int64 `json:"errors"`
	Latency    latencySummary   `json:"latency"`
	// Ack is the time from a new event's send to its 2xx: what the
	// sender waits for, with or without consoles.
	Ack latencySummary `json:"ack_latency"`
	// At a fixed rate, Schedule is how the senders kept to it, and
	// SlotLatency and SlotAck are the two latencies above counted from
	// each event's slot instead of its send: they include the wait for a
	// free sender when the hub falls behind. Absent when sending flat out.
	Schedule    *scheduleSummary `json:"schedule,omitempty"`
	SlotLatency *latencySummary  `json:"slot_latency,omitempty"`
	SlotAck     *latencySummary  `json:"slot_ack_latency,omitempty"`
	Fairness    fairness         `json:"assignments"`
	Outbox      outboxSummary    `json:"outbox"`
	// IdleConsoles is how many listen-only stream connections were open.
	IdleConsoles int64        `json:"idle_consoles"`
	Process      *procSummary `json:"process,omitempty"`
	// Machine is how busy the cores were over the run, and by whom, when
	// /proc could be read.
	Machine *machineSummary `json:"machine,omitempty"`
	// Pool is the daemon's store connection pool over the run, from its
	// /metrics.
	Pool     *poolSummary   `json:"store_pool,omitempty"`
	Settings map[string]any `json:"settings"`
}

// latencySummary is the end-to-end latency from a webhook's send to the
// first frame of its message at a console, in milliseconds.
type latencySummary struct {
	Count int64 `json:"count"`
	// Unseen counts accepted events whose frame no console received
	// before the end (no console may see them, or the run ended first).
	Unseen int     `json:"unseen"`
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

// scheduleSummary is a fixed-rate run's schedule: the slots due while
// sending, how many were sent and how late.
type scheduleSummary struct {
	OfferedPS float64 `json:"offered_per_s"`
	Due       int64   `json:"due"`
	Sent      int64   `json:"sent"`
	// Unsent counts the slots no sender reached before the run ended.
	Unsent int64 `json:"unsent"`
	// LagP99 and LagMax: how long after its slot a send left.
	LagP99 float64 `json:"lag_p99_ms"`
	LagMax float64 `json:"lag_max_ms"`
}

// fairness is how evenly new dialogs went to the managers.
type fairness struct {
	PerManager map[string]int64 `json:"per_manager"`
	Min        int64            `json:"min"`
	Max        int64            `json:"max"`
}

// outboxSummary is what the local callback receiver saw of replies.
type outboxSummary struct {
	Replies   int64   `json:"replies"`
	Delivered int64   `json:"delivered"`
	PerSec    float64 `json:"delivered_per_s"`
}

// percentile returns the p-th percentile (0-100) of sorted samples by the
// nearest-rank method: the smallest sample with at least p% of samples at
// or below it. Zero samples give zero.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*100) / 100 }

// summarize turns samples into the latency summary.
func summarize(samples []time.Duration, unseen int) latencySummary {
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	l := latencySummary{Count: int64(len(sorted)), Unseen: unseen}
	if len(sorted) > 0 {
		l.P50, l.P95, l.P99 = ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(percentile(sorted, 99))
		l.Max = ms(sorted[len(sorted)-1])
	}
	return l
}

// spread returns the fewest and most assignments over the managers.
func spread(per map[string]int64) fairness {
	f := fairness{PerManager: per}
	first := true
	for _, n := range per {
		if first || n < f.Min {
			f.Min = n
		}
		if first || n > f.Max {
			f.Max = n
		}
		first = false
	}
	return f
}

// buildReport assembles the report from the final snapshot. sendTime is
// how long events were sent (the rate's denominator); outbox throughput is
// over the whole run, since replies trail the last event. sched, nil when
// sending flat out, has the schedule's counts; the rest of it comes from
// the snapshot.
func buildReport(target string, snap snapshot, sendTime time.Duration, sched *scheduleSummary, proc *procSummary, settings map[string]any) report {
	r := report{
		Target: target, Duration: round2(sendTime.Seconds()),
		Sent: snap.Sent, Accepted: snap.Accepted, Duplicates: snap.Duplicates,
		Errors: snap.Errors, Latency: summarize(snap.Latencies, snap.Pending), Ack: summarize(snap.Acks, 0),
		Fairness: spread(snap.PerManager), Process: proc, Settings: settings,
		Outbox: outboxSummary{Replies: snap.Replies, Delivered: snap.Delivered},
	}
	if sched != nil {
		sc := *sched
		sc.Unsent = max(0, sc.Due-sc.Sent)
		lags := summarize(snap.Lags, 0)
		sc.LagP99, sc.LagMax = lags.P99, lags.Max
		slot, slotAck := summarize(snap.SlotLatencies, snap.Pending), summarize(snap.SlotAcks, 0)
		r.Schedule, r.SlotLatency, r.SlotAck = &sc, &slot, &slotAck
	}
	if s := sendTime.Seconds(); s > 0 {
		r.AcceptedPS = round2(float64(snap.Accepted) / s)
	}
	if s := snap.Elapsed.Seconds(); s > 0 {
		r.Outbox.PerSec = round2(float64(snap.Delivered) / s)
	}
	return r
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// writeJSON prints the report as indented JSON.
func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeText prints the report for people.
func (r report) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target            %s\n", r.Target)
	fmt.Fprintf(&b, "sent              %d events in %.1fs (%d accepted, %d duplicates answered 200)\n", r.Sent, r.Duration, r.Accepted, r.Duplicates)
	fmt.Fprintf(&b, "accepted          %.1f events/s\n", r.AcceptedPS)
	fmt.Fprintf(&b, "mix               %d events from new clients (%.0f%% of those sent that were not replays)\n", r.NewClients, pct(r.NewClients, r.Sent-r.Duplicates))
	fmt.Fprintf(&b, "latency           p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms  (%d measured, %d without a frame)\n",
		r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max, r.Latency.Count, r.Latency.Unseen)
	fmt.Fprintf(&b, "acknowledged      p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms  (send to 2xx)\n",
		r.Ack.P50, r.Ack.P95, r.Ack.P99, r.Ack.Max)
	if sc := r.Schedule; sc != nil {
		fmt.Fprintf(&b, "schedule          %.0f/s offered: %d due, %d sent, %d unsent; sends left their slot p99 %.1fms, max %.1fms after it\n",
			sc.OfferedPS, sc.Due, sc.Sent, sc.Unsent, sc.LagP99, sc.LagMax)
		fmt.Fprintf(&b, "from the slot     p50 %.1fms  p95 %.1fms  p99 %.1fms  max %.1fms  to the frame; to the 2xx p99 %.1fms\n",
			r.SlotLatency.P50, r.SlotLatency.P95, r.SlotLatency.P99, r.SlotLatency.Max, r.SlotAck.P99)
	}
	fmt.Fprintf(&b, "errors            %s\n", kv(r.Errors))
	fmt.Fprintf(&b, "assignments       min %d  max %d  %s\n", r.Fairness.Min, r.Fairness.Max, kv(r.Fairness.PerManager))
	fmt.Fprintf(&b, "outbox            %d replies, %d delivered to the callback (%.1f/s)\n", r.Outbox.Replies, r.Outbox.Delivered, r.Outbox.PerSec)
	if r.IdleConsoles > 0 {
		fmt.Fprintf(&b, "idle consoles     %d open stream connections\n", r.IdleConsoles)
	}
	if p := r.Pool; p != nil {
		fmt.Fprintf(&b, "store pool        %d connections; %d waits for one (%.2f per accepted event), mean wait %.1fms\n",
			p.MaxConns, p.Waits, p.WaitsPerEvent, p.MeanWaitMs)
	}
	if p := r.Process; p != nil {
		fmt.Fprintf(&b, "process           pid %d  RSS max %.1f MB, end %.1f MB  CPU %.1fs (%.0f%% of one core), %.1fs waiting for a core%s\n",
			p.PID, p.RSSMaxMB, p.RSSEndMB, p.CPUSeconds, p.CPUPercent, p.WaitedSeconds, note(p.Note))
	}
	if m := r.Machine; m != nil {
		fmt.Fprintf(&b, "machine           %d cores %.0f%% busy: %s, the rest %.1fs\n", m.Cores, m.BusyPercent, whoUsedCPU(r.Process, m),
			m.OtherCPUSeconds)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// whoUsedCPU names the CPU time of the daemon and of this process for
// the machine line.
func whoUsedCPU(p *procSummary, m *machineSummary) string {
	switch {
	case p == nil:
		return fmt.Sprintf("this load tool %.1fs", m.LoadToolCPUSeconds)
	case p.PID == os.Getpid():
		return fmt.Sprintf("this process (daemon and load tool) %.1fs", m.LoadToolCPUSeconds)
	}
	return fmt.Sprintf("the daemon %.1fs, this load tool %.1fs", p.CPUSeconds, m.LoadToolCPUSeconds)
}

func pct(part int, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return "  [" + s + "]"
}

// kv prints a map in key order, "none" when empty.
func kv(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatInt(m[k], 10)
	}
	return strings.Join(parts, " ")
}

// recentP99 is the p99 of the samples in now that were not yet in prev.
func recentP99(now, prev []time.Duration) float64 {
	sorted := slices.Clone(now[len(prev):])
	slices.Sort(sorted)
	return ms(percentile(sorted, 99))
}

// progressLine is the once-a-second status: totals and the last second's
// rate.
func progressLine(now, prev snapshot, rssMB float64) string {
	dt := (now.Elapsed - prev.Elapsed).Seconds()
	rate := 0.0
	if dt > 0 {
		rate = float64(now.Accepted-prev.Accepted) / dt
	}
	var errs int64
	for _, n := range now.Errors {
		errs += n
	}
	line := fmt.Sprintf("%5.0fs  sent %d  accepted %d (%.0f/s)  dup %d  errors %d  frames %d  p99 %.1fms",
		now.Elapsed.Seconds(), now.Sent, now.Accepted, rate, now.Duplicates, errs, now.Frames,
		recentP99(now.Latencies, prev.Latencies))
	if len(now.SlotLatencies) > 0 {
		line += fmt.Sprintf(" (from the slot %.1fms)", recentP99(now.SlotLatencies, prev.SlotLatencies))
	}
	line += fmt.Sprintf("  replies %d/%d", now.Delivered, now.Replies)
	if rssMB > 0 {
		line += fmt.Sprintf("  rss %.0fMB", rssMB)
	}
	return line
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
