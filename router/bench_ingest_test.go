package router_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/router"
	"github.com/switchboard-hub/switchboard/router/identity"
	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/blob"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// benchRouter is a router on a fresh store with managers online in one
// round-robin team that every event is routed to.
type benchRouter struct {
	r        *router.Router
	st       storage.Store
	managers []storage.Manager
	team     storage.Team
}

func newBenchRouter(b *testing.B, store string, managers, capacity int) *benchRouter {
	return newBenchRouterBatch(b, store, managers, capacity, 1, 1)
}

// newBenchRouterBatch is newBenchRouter with group commit of up to
// maxBatch events.
func newBenchRouterBatch(b *testing.B, store string, managers, capacity, maxBatch, runners int) *benchRouter {
	b.Helper()
	ctx := context.Background()
	st := storetest.Stores()[store](b)
	norm, err := identity.New(identity.Options{DefaultRegion: "RU"})
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	br := &benchRouter{st: st, team: storage.Team{Name: "bench", Strategy: storage.RoundRobin, CreatedAt: now}}
	if err := st.CreateTeam(ctx, &br.team); err != nil {
		b.Fatal(err)
	}
	for i := range managers {
		m := storage.Manager{Login: fmt.Sprintf("m%02d", i), Name: "M", Role: storage.RoleAgent, Capacity: capacity,
			Presence: storage.Online, CreatedAt: now}
		if err := st.CreateManager(ctx, &m); err != nil {
			b.Fatal(err)
		}
		if err := st.SetPresence(ctx, m.ID, storage.Online, now); err != nil {
			b.Fatal(err)
		}
		if err := st.AddTeamMember(ctx, br.team.ID, m.ID); err != nil {
			b.Fatal(err)
		}
		br.managers = append(br.managers, m)
	}
	br.r = router.New(st, norm, blobs, router.Config{DefaultTeam: "bench", MaxBatch: maxBatch, BatchRunners: runners})
	return br
}

// Names of the benchmark's clients: 20 × 25 of them, so full names repeat
// (and raise duplicate candidates) as rarely as in a real client base.
var (
	benchFirst = []string{"Иван", "Пётр", "Анна", "Мария", "Алексей", "Ольга", "Дмитрий", "Елена", "Сергей", "Наталья",
		"John", "Mary", "James", "Linda", "Robert", "Susan", "Amir", "Leyla", "Timur", "Vera"}
	benchLast = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
		"Фёдоров", "Морозов", "Волков", "Orlov", "Makarov", "Nikitin", "Smith", "Johnson", "Brown", "Jones", "Miller",
		"Davis", "Wilson", "Taylor", "Garcia", "Walker"}
)

// benchEvent is an API-channel event from client n, phone written as
// people do.
func benchEvent(id string, client int) channels.InboundEvent {
	name := benchFirst[client%len(benchFirst)] + " " + benchLast[(client/len(benchFirst)*7+client)%len(benchLast)]
	return channels.InboundEvent{
		Channel: "api:bench", ExternalID: id, SenderID: fmt.Sprintf("c%d", client),
		From: channels.Contact{Name: name,
			Identities: []channels.Identity{{Kind: channels.Phone, Value: fmt.Sprintf("8 (900) %03d-%02d-%02d", client/10000%1000, client/100%100, client%100)}}},
		Text: "Hello, is my order on its way?",
	}
}

// BenchmarkIngest times one full ingest transaction — identity, client,
// dialog, message, assignment and events — on each store:
//   - new-client: a new client, so a new dialog that is assigned;
//   - returning: a known client with an open dialog (no assignment);
//   - replay: an event already stored (the duplicate check only).
//
// Each commit is durable (SQLite synchronous=FULL, PostgreSQL's default
// fsync), so ns/op includes the disk's flush time.
func BenchmarkIngest(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			ctx := context.Background()
			b.Run("new-client", func(b *testing.B) {
				br := newBenchRouter(b, store, 10, 1<<30)
				lat := make([]time.Duration, 0, 1024)
				i := 0
				for b.Loop() {
					i++
					t0 := time.Now()
					if _, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("n%d", i), i)); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				reportPercentiles(b, lat)
			})
			b.Run("returning", func(b *testing.B) {
				br := newBenchRouter(b, store, 10, 1<<30)
				const clients = 100
				for c := range clients {
					if _, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("warm%d", c), c)); err != nil {
						b.Fatal(err)
					}
				}
				lat := make([]time.Duration, 0, 1024)
				i := 0
				for b.Loop() {
					i++
					t0 := time.Now()
					if _, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("r%d", i), i%clients)); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				reportPercentiles(b, lat)
			})
			b.Run("replay", func(b *testing.B) {
				br := newBenchRouter(b, store, 10, 1<<30)
				ev := benchEvent("again", 1)
				if _, err := br.r.Ingest(ctx, ev); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					rc, err := br.r.Ingest(ctx, ev)
					if err != nil || !rc.Duplicate {
						b.Fatalf("replay: %+v %v", rc, err)
					}
				}
			})
		})
	}
}

// BenchmarkIngestParallel runs new-client ingests from 4 goroutines per
// CPU, as concurrent webhooks arrive, each in its own transaction and with
// group commit (batch-32): the events/s it reports against
// BenchmarkIngest's shows how far concurrent ingests overlap.
func BenchmarkIngestParallel(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, batch := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/batch-%d", store, batch), func(b *testing.B) { benchIngestParallel(b, store, batch, 1) })
		}
		if store == "postgres" {
			b.Run(store+"/batch-32x2", func(b *testing.B) { benchIngestParallel(b, store, 32, 2) })
		}
	}
}

// BenchmarkIngestMix runs the load tool's default traffic from 4
// goroutines per CPU: 30% new clients, 65% returning ones (of 1,000 known,
// each with an open dialog), 5% replays, one transaction per event and
// with group commit.
func BenchmarkIngestMix(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, batch := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/batch-%d", store, batch), func(b *testing.B) { benchIngestMix(b, store, batch, 1) })
		}
		if store == "postgres" {
			for _, runners := range []int{2, 4} {
				b.Run(fmt.Sprintf("%s/batch-32x%d", store, runners), func(b *testing.B) { benchIngestMix(b, store, 32, runners) })
			}
		}
	}
}

func benchIngestMix(b *testing.B, store string, batch, runners int) {
	const known = 1000
	br := newBenchRouterBatch(b, store, 10, 1<<30, batch, runners)
	ctx := context.Background()
	var warm sync.WaitGroup
	for w := range 8 {
		warm.Go(func() {
			for c := w; c < known; c += 8 {
				if _, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("k%d", c), c)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	warm.Wait()
	br.ingestParallel(b, func(i int) channels.InboundEvent {
		switch n := i % 20; {
		case n < 6: // new
			return benchEvent(fmt.Sprintf("mn%d", i), known+i)
		case n < 19: // returning
			return benchEvent(fmt.Sprintf("mr%d", i), (i*7919)%known)
		default: // replay of an earlier event
			return benchEvent(fmt.Sprintf("k%d", i%known), i%known)
		}
	})
}

func benchIngestParallel(b *testing.B, store string, batch, runners int) {
	br := newBenchRouterBatch(b, store, 10, 1<<30, batch, runners)
	br.ingestParallel(b, func(i int) channels.InboundEvent { return benchEvent(fmt.Sprintf("p%d", i), i) })
}

// ingestParallel ingests event(1), event(2), … from 4 goroutines per CPU
// and reports events/s.
func (br *benchRouter) ingestParallel(b *testing.B, event func(i int) channels.InboundEvent) {
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := br.r.Ingest(ctx, event(int(seq.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTake times assignment on its own: a manager taking a queued
// dialog (capacity check, conditional assign, owner, events), one
// transaction each.
func BenchmarkTake(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			ctx := context.Background()
			br := newBenchRouter(b, store, 1, 1<<30)
			// Offline, so that the dialogs wait in the queue.
			if _, err := br.r.SetPresence(ctx, br.managers[0].ID, storage.Offline); err != nil {
				b.Fatal(err)
			}
			ids := make([]int64, b.N)
			for i := range ids {
				rc, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("q%d", i), i))
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = rc.DialogID
			}
			m := br.managers[0].ID
			b.ResetTimer()
			for i := range b.N {
				if _, err := br.r.Take(ctx, ids[i], m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRoundRobinFairness hands b.N new dialogs to 10 equal managers
// under round-robin and reports the spread (most minus fewest assigned),
// which the distribution target wants at most 1. Run it with
// -benchtime=10000x for the target's 10,000 dialogs.
func BenchmarkRoundRobinFairness(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			ctx := context.Background()
			br := newBenchRouter(b, store, 10, 1<<30)
			for i := range b.N {
				if _, err := br.r.Ingest(ctx, benchEvent(fmt.Sprintf("f%d", i), i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			loads := make([]int, 0, len(br.managers))
			for _, m := range br.managers {
				got, err := br.st.GetManager(ctx, m.ID)
				if err != nil {
					b.Fatal(err)
				}
				loads = append(loads, got.Load)
			}
			b.ReportMetric(float64(slices.Max(loads)-slices.Min(loads)), "spread")
		})
	}
}

// reportPercentiles adds p50 and p99 in microseconds to the result.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Nanoseconds())/1e3, "p99-µs")
}
