package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// drainWait bounds how long the tool waits after the last event for the
// frames and reply deliveries still on their way.
const drainWait = 10 * time.Second

// run is the whole command: parse, set up the target, consoles and
// senders, show progress, report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano()
	}
	st := newStats()

	var recv *receiver
	if o.InProcess != "" || o.CallbackListen != "" {
		addr := o.CallbackListen
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if recv, err = startReceiver(addr, st); err != nil {
			return fmt.Errorf("callback receiver: %w", err)
		}
		defer recv.Close()
	}

	tg, pid, note, err := setupTarget(ctx, o, recv, stderr)
	if err != nil {
		return err
	}
	if tg.stop != nil {
		defer func() {
			if serr := tg.stop(); serr != nil {
				fmt.Fprintln(stderr, "switchboard-load: stopping the daemon:", serr)
			}
		}()
	}
	var smp *sampler
	if pid > 0 {
		if smp, err = newSampler(pid); err != nil {
			return fmt.Errorf("read /proc/%d: %w", pid, err)
		}
	}

	client := &http.Client{
		Timeout:   o.Timeout,
		Transport: &http.Transport{MaxIdleConns: o.Concurrency + o.Consoles*2 + 8, MaxIdleConnsPerHost: o.Concurrency + o.Consoles*2 + 8, IdleConnTimeout: time.Minute},
	}
	consCtx, cancelConsoles := context.WithCancel(ctx)
	consoles, err := startConsoles(consCtx, o, tg, client, st)
	stopConsoles := func() {
		cancelConsoles()
		consoles.Wait()
	}
	defer stopConsoles()
	if err != nil {
		return err
	}

	gen := newGenerator(uint64(o.Seed), "load-"+randomHex(4), o.Clients, o.NewRatio, o.DupRatio)
	snd := &sender{url: tg.base + "/hooks/api/" + tg.channel, secret: tg.secret, client: client, stats: st}
	if o.Warm {
		t0 := time.Now()
		sent, accepted := warmUp(ctx, snd, gen, o.Clients, o.Concurrency)
		settle(ctx, st, recv, o.Consoles > 0)
		if !o.Quiet || accepted < sent {
			fmt.Fprintf(stderr, "warm-up: %d of %d known clients accepted in %.1fs\n", accepted, sent, time.Since(t0).Seconds())
		}
	}

	// Idle consoles connect after the warm-up, as they measure what an
	// idle connection costs, not the warm-up's frames.
	idle, err := openIdle(consCtx, tg.base, tg.tokens, o.Idle, st)
	if err != nil {
		return err
	}
	defer idle.wg.Wait()

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// Counting starts now: set-up and warm-up are not part of the run.
	poolBefore, poolErr := scrapePool(ctx, client, tg.base)
	if smp != nil {
		if err := smp.restart(); err != nil {
			return fmt.Errorf("read /proc/%d: %w", pid, err)
		}
	}
	// Without /proc (not Linux) the report has no machine line.
	machine0, machineErr := readMachine()
	st.reset()
	sendCtx, stopSending := context.WithTimeout(ctx, o.Duration)
	defer stopSending()
	var sched *schedule
	if o.Rate > 0 {
		sched = newSchedule(time.Now(), o.Rate, o.Duration)
	}
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() { snd.run(sendCtx, gen, sched) })
	}
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		progress(sendCtx, o, st, smp, stderr)
	}()
	wg.Wait()
	sendTime := time.Since(st.start)
	<-progressDone

	settle(ctx, st, recv, o.Consoles > 0)
	stopConsoles()

	var ps *procSummary
	if smp != nil {
		ps = smp.summary(note)
	}
	var sc *scheduleSummary
	if sched != nil {
		sc = &scheduleSummary{OfferedPS: o.Rate, Due: sched.dueBy(time.Now()), Sent: sched.sent.Load()}
	}
	rep := buildReport(tg.name, st.snapshot(), sendTime, sc, ps, settings(o))
	if machine1, err := readMachine(); err == nil && machineErr == nil {
		var daemon time.Duration
		if ps != nil && ps.PID != os.Getpid() {
			daemon = time.Duration(ps.CPUSeconds * float64(time.Second))
		}
		rep.Machine = summarizeMachine(machine0, machine1, daemon)
	}
	rep.IdleConsoles = idle.open.Load()
	rep.NewClients = gen.newClients()
	if poolErr == nil {
		if after, err := scrapePool(ctx, client, tg.base); err == nil {
			rep.Pool = summarizePool(poolBefore, after, rep.Accepted)
		}
	}
	if recv == nil {
		rep.Outbox.Delivered, rep.Outbox.PerSec = -1, 0
	}
	if o.JSON {
		return rep.writeJSON(stdout)
	}
	return rep.writeText(stdout)
}

// settle lets the frames and reply deliveries still in flight arrive,
// for at most drainWait: it returns once every accepted event has reached
// a console (when there are consoles to see them), every reply its
// callback, and no console has received a frame for a quiet spell (the
// copies to other consoles, and what the consoles' own closes and answers
// set off).
func settle(ctx context.Context, st *stats, recv *receiver, consoles bool) {
	const quietSpell = 250 * time.Millisecond
	deadline := time.Now().Add(drainWait)
	frames, since := st.frames.Load(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		s := st.snapshot()
		if s.Frames != frames {
			frames, since = s.Frames, time.Now()
		}
		if (s.Pending == 0 || !consoles) && (recv == nil || s.Delivered >= s.Replies) && time.Since(since) >= quietSpell {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// warmUp sends one event from each of the known clients, flat out over
// concurrency senders, so that the run's returning clients are known to
// the hub and the run's mix is the one asked for. It returns how many
// events it sent and how many the hub accepted.
func warmUp(ctx context.Context, snd *sender, gen *generator, clients, concurrency int) (sent, accepted int64) {
	before := snd.stats.accepted.Load()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := int(next.Add(1)) - 1
				if n >= clients {
					return
				}
				snd.post(ctx, gen.warm(n), false, time.Time{})
			}
		})
	}
	wg.Wait()
	return min(next.Load(), int64(clients)), snd.stats.accepted.Load() - before
}

// setupTarget starts the in-process daemon or describes the remote one,
// returning the process to sample (0 for none) and a note on the sample.
func setupTarget(ctx context.Context, o options, recv *receiver, stderr io.Writer) (*target, int, string, error) {
	if o.InProcess != "" {
		tg, err := startInProcess(ctx, o, recv.URL(), stderr)
		if err != nil {
			return nil, 0, "", err
		}
		return tg, os.Getpid(), "in-process: includes the load generator itself", nil
	}
	tg := &target{name: o.URL, base: strings.TrimRight(o.URL, "/"), channel: o.Channel, secret: o.Secret, tokens: o.Tokens}
	return tg, o.PID, "", nil
}

// startConsoles prepares every console and waits until each follows the
// stream live, so no event of the run is sent before they listen. The
// returned group ends when the consoles have stopped after ctx ends.
func startConsoles(ctx context.Context, o options, tg *target, client *http.Client, st *stats) (*sync.WaitGroup, error) {
	var wg sync.WaitGroup
	if o.Consoles == 0 {
		return &wg, nil
	}
	if len(tg.tokens) == 0 {
		return &wg, errors.New("no tokens for the consoles")
	}
	var live []chan struct{}
	for i := range o.Consoles {
		c := &console{base: tg.base, token: tg.tokens[i%len(tg.tokens)], stats: st, client: client,
			answer: o.AnswerRatio, close: o.Close, rng: rand.New(rand.NewPCG(uint64(o.Seed), uint64(i)))}
		if err := c.prepare(ctx); err != nil {
			return &wg, fmt.Errorf("console %d: %w", i+1, err)
		}
		ch := make(chan struct{})
		live = append(live, ch)
		wg.Go(func() { c.run(ctx, ch) })
	}
	timeout := time.After(30 * time.Second)
	for i, ch := range live {
		select {
		case <-ch:
		case <-timeout:
			return &wg, fmt.Errorf("console %d did not connect to the stream within 30s", i+1)
		case <-ctx.Done():
			return &wg, ctx.Err()
		}
	}
	return &wg, nil
}

// progress prints one line a second until ctx ends.
func progress(ctx context.Context, o options, st *stats, smp *sampler, w io.Writer) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	prev := st.snapshot()
	for {
		select {
		case <-ctx.Done():
			if !o.Quiet {
				fmt.Fprintln(w)
			}
			return
		case <-t.C:
		}
		rss := 0.0
		if smp != nil {
			smp.sample()
			rss = smp.rssMB()
		}
		now := st.snapshot()
		if !o.Quiet {
			fmt.Fprintf(w, "\r%s", progressLine(now, prev, rss))
		}
		prev = now
	}
}

// settings records the run's parameters in the report.
func settings(o options) map[string]any {
	s := map[string]any{
		"rate": o.Rate, "concurrency": o.Concurrency, "consoles": o.Consoles, "idle": o.Idle, "clients": o.Clients,
		"new_ratio": o.NewRatio, "dup_ratio": o.DupRatio, "answer_ratio": o.AnswerRatio, "seed": o.Seed, "warm": o.Warm,
	}
	if o.InProcess != "" {
		s["managers"], s["capacity"] = o.Managers, o.Capacity
	}
	return s
}
