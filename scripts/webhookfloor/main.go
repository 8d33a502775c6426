// Command webhookfloor is the least a webhook ingest can do on PostgreSQL:
// it answers the API channel's signed POSTs (/hooks/api/{channel}) by
// checking the signature, decoding the body and storing it with one
// idempotent single-row INSERT, committed before the 2xx, as the hub
// commits each event. It knows no clients, dialogs or managers.
//
// Driven by switchboard-load like the daemon, it shows what HTTP, signing,
// JSON and the load tool itself take from a machine on top of pgbench's
// INSERTs: about the most events per second a hub could accept there.
// scripts/perf.sh runs it between pgbench and the daemon. With --group,
// events arriving together share a transaction, as the hub's group commit
// does; with --no-store nothing is stored, which leaves the cost of HTTP
// and of the load tool alone.
//
//	go run ./scripts/webhookfloor --db postgres://... --listen 127.0.0.1:18480 --secret S
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-hub/switchboard/channels/api"
)

const schema = `CREATE TABLE IF NOT EXISTS floor_events (
	id bigserial PRIMARY KEY,
	external_id text NOT NULL UNIQUE,
	body jsonb NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now())`

func main() {
	listen := flag.String("listen", "127.0.0.1:18480", "address to serve on")
	dbURL := flag.String("db", "", "PostgreSQL URL (a throwaway database: the table floor_events is created there)")
	conns := flag.Int("conns", 8, "database connections")
	secret := flag.String("secret", "", "the channel's signing secret")
	group := flag.Int("group", 1, "events per transaction at most: above 1, events arriving together share a commit")
	runners := flag.Int("runners", 2, "with --group: transactions committing at once")
	noStore := flag.Bool("no-store", false, "answer without storing: what HTTP, signing and the load tool alone reach")
	flag.Parse()
	if *dbURL == "" || *secret == "" {
		fmt.Fprintln(os.Stderr, "webhookfloor: --db and --secret are required")
		os.Exit(2)
	}
	h := &hook{secret: *secret, noStore: *noStore}
	if *group > 1 {
		h.jobs = make(chan *job, 4096)
	}
	if err := run(*listen, *dbURL, *conns, *group, *runners, h); err != nil {
		fmt.Fprintln(os.Stderr, "webhookfloor:", err)
		os.Exit(1)
	}
}

func run(listen, dbURL string, conns, group, runners int, h *hook) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, schema); err != nil {
		return err
	}

	mux := http.NewServeMux()
	h.pool = pool
	if h.jobs != nil {
		for range runners {
			go h.commit(ctx, group)
		}
	}
	mux.Handle("POST /hooks/api/{channel}", h)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Addr: listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type hook struct {
	pool    *pgxpool.Pool
	secret  string
	noStore bool
	// jobs feeds the committers when events are grouped; nil stores each
	// event in a transaction of its own.
	jobs chan *job
}

// event is the part of the API channel's payload the floor keeps apart.
type event struct {
	ID string `json:"id"`
}

// job is one event waiting for a grouped commit.
type job struct {
	id   string
	body []byte
	// Set by the committer before done is closed.
	rowID int64
	dup   bool
	err   error
	done  chan struct{}
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := api.VerifySignature(h.secret, body, r.Header.Get(api.SignatureHeader)); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	var id int64
	var dup bool
	switch {
	case h.noStore:
	case h.jobs != nil:
		j := &job{id: ev.ID, body: body, done: make(chan struct{})}
		h.jobs <- j
		<-j.done
		id, dup, err = j.rowID, j.dup, j.err
	default:
		id, dup, err = h.storeOne(r.Context(), ev.ID, body)
	}
	if err != nil {
		log.Print(err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"message_id": id, "duplicate": dup})
}

// storeOne stores one event in a transaction of its own. A replay finds
// its row and is answered as a duplicate, as the hub answers one.
func (h *hook) storeOne(ctx context.Context, extID string, body []byte) (id int64, dup bool, err error) {
	err = h.pool.QueryRow(ctx,
		`INSERT INTO floor_events (external_id, body) VALUES ($1, $2) ON CONFLICT (external_id) DO NOTHING RETURNING id`,
		extID, body).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		dup = true
		err = h.pool.QueryRow(ctx, `SELECT id FROM floor_events WHERE external_id = $1`, extID).Scan(&id)
	}
	return id, dup, err
}

// commit takes the events queued while the last transaction ran, up to
// max, and stores them in one: the group commit the hub does.
func (h *hook) commit(ctx context.Context, max int) {
	for {
		var batch []*job
		select {
		case j := <-h.jobs:
			batch = append(batch, j)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < max {
			select {
			case j := <-h.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		err := h.storeMany(ctx, batch)
		for _, j := range batch {
			if err != nil {
				j.err = err
			}
			close(j.done)
		}
	}
}

// storeMany stores batch with one INSERT and one SELECT for the replays,
// committed together.
func (h *hook) storeMany(ctx context.Context, batch []*job) error {
	ids := make([]string, len(batch))
	bodies := make([]string, len(batch))
	for i, j := range batch {
		ids[i], bodies[i] = j.id, string(j.body)
	}
	tx, err := h.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	inserted, err := rowIDs(tx.Query(ctx, `INSERT INTO floor_events (external_id, body)
		SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (external_id) DO NOTHING RETURNING external_id, id`, ids, bodies))
	if err != nil {
		return err
	}
	var replays []string
	for _, j := range batch {
		if id, ok := inserted[j.id]; ok {
			// The first of the batch's copies is the delivery stored.
			j.rowID = id
			delete(inserted, j.id)
		} else {
			j.dup = true
			replays = append(replays, j.id)
		}
	}
	if len(replays) > 0 {
		stored, err := rowIDs(tx.Query(ctx, `SELECT external_id, id FROM floor_events WHERE external_id = ANY($1)`, replays))
		if err != nil {
			return err
		}
		for _, j := range batch {
			if j.dup {
				j.rowID = stored[j.id]
			}
		}
	}
	return tx.Commit(ctx)
}

// rowIDs reads (external id, id) rows into a map.
func rowIDs(rows pgx.Rows, err error) (map[string]int64, error) {
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	var ext string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&ext, &id}, func() error {
		out[ext] = id
		return nil
	})
	return out, err
}
