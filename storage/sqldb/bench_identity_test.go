package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// EnvBenchClients sets how many clients the identity benchmarks load. The
// default keeps a benchmark run short; the targets are stated for a
// million:
//
//	SWITCHBOARD_BENCH_CLIENTS=1000000 go test ./storage/sqldb -run '^$' -bench IdentityLookup -benchtime 20000x
const EnvBenchClients = "SWITCHBOARD_BENCH_CLIENTS"

// benchClients reads EnvBenchClients (default 20,000).
func benchClients(b *testing.B) int {
	n := 20000
	if v := os.Getenv(EnvBenchClients); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", EnvBenchClients, v)
		}
	}
	return n
}

// benchPhone is client i's phone identity as the router stores it.
func benchPhone(i int) string { return fmt.Sprintf("+7900%07d", i) }

// benchNameKey is client i's name key: one of benchNameKeys, so that at a
// million clients each key is shared by about a hundred of them, as a
// common full name is in a big client base.
func benchNameKey(i int) string {
	return fmt.Sprintf("f%02d s%04d", i%benchFirstNames, i/benchFirstNames%benchSurnames)
}

const (
	benchFirstNames = 50
	benchSurnames   = 200
)

// bulkLoad inserts n clients with one phone identity each, in multi-row
// INSERTs inside a few transactions: loading a million rows one statement
// at a time would take longer than the benchmark.
func bulkLoad(b *testing.B, db *sql.DB, n int) {
	b.Helper()
	ctx := context.Background()
	const batch = 500
	now := time.Now().UnixMilli()
	start := time.Now()
	for lo := 1; lo <= n; lo += batch * 20 {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for blo := lo; blo < lo+batch*20 && blo <= n; blo += batch {
			hi := min(blo+batch-1, n)
			var cl, id, nk strings.Builder
			var cargs, iargs, kargs []any
			cl.WriteString(`INSERT INTO clients (id, kind, name, search_text, created_at, updated_at) VALUES `)
			id.WriteString(`INSERT INTO identities (kind, value, client_id, created_at) VALUES `)
			nk.WriteString(`INSERT INTO name_keys (name_key, client_id) VALUES `)
			for i := blo; i <= hi; i++ {
				if i > blo {
					cl.WriteString(", ")
					id.WriteString(", ")
					nk.WriteString(", ")
				}
				p := len(cargs)
				fmt.Fprintf(&cl, "($%d, 'person', $%d, $%d, $%d, $%d)", p+1, p+2, p+3, p+4, p+5)
				name := "Client " + strconv.Itoa(i)
				cargs = append(cargs, i, name, strings.ToLower(name), now, now)
				q := len(iargs)
				fmt.Fprintf(&id, "('phone', $%d, $%d, $%d)", q+1, q+2, q+3)
				iargs = append(iargs, benchPhone(i), i, now)
				r := len(kargs)
				fmt.Fprintf(&nk, "($%d, $%d)", r+1, r+2)
				kargs = append(kargs, benchNameKey(i), i)
			}
			if _, err := tx.ExecContext(ctx, cl.String(), cargs...); err != nil {
				_ = tx.Rollback()
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, id.String(), iargs...); err != nil {
				_ = tx.Rollback()
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, nk.String(), kargs...); err != nil {
				_ = tx.Rollback()
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	// Fresh statistics, as autovacuum or ANALYZE would give a table of
	// this size in production.
	_, _ = db.ExecContext(ctx, `ANALYZE`)
	b.Logf("loaded %d clients in %s", n, time.Since(start).Round(time.Millisecond))
}

// loadedStore opens a fresh store of the named engine with benchClients
// clients loaded, and returns it with their number.
func loadedStore(b *testing.B, name string) (storage.Store, int) {
	st := storetest.Stores()[name](b)
	n := benchClients(b)
	bulkLoad(b, st.(interface{ SQL() *sql.DB }).SQL(), n)
	return st, n
}

// BenchmarkIdentityLookup times FindIdentities, the router's first query
// of every ingest, against a table of benchClients clients: a phone that
// is there (a returning client) and one that is not (a new client). It
// reports the median and 99th percentile per lookup beside ns/op.
func BenchmarkIdentityLookup(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			st, n := loadedStore(b, name)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			for _, c := range []struct {
				name string
				hit  bool
			}{{"hit", true}, {"miss", false}} {
				b.Run(c.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, 1<<16)
					b.ReportAllocs()
					for b.Loop() {
						i := rng.IntN(n) + 1
						if !c.hit {
							i += n
						}
						t0 := time.Now()
						got, err := st.FindIdentities(ctx, []storage.Identity{{Kind: "phone", Value: benchPhone(i)}})
						lat = append(lat, time.Since(t0))
						if err != nil || (len(got) == 1) != c.hit {
							b.Fatalf("lookup %d: %v %v", i, got, err)
						}
					}
					reportPercentiles(b, lat)
				})
			}
		})
	}
}

// BenchmarkNamesakeLookup times ClientsByNameKey, the query that finds a
// new client's possible namesakes, against benchClients clients whose
// names share benchFirstNames × benchSurnames keys: the newest 50 clients
// of a name's three keys (one of them shared, two not in the table), as
// the router asks. Its cost must follow the limit, not the table.
func BenchmarkNamesakeLookup(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			st, n := loadedStore(b, name)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 4))
			lat := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				i := rng.IntN(n) + 1
				keys := []string{benchNameKey(i), "zz" + benchNameKey(i), "yy" + benchNameKey(i)}
				t0 := time.Now()
				got, err := st.ClientsByNameKey(ctx, keys, 0, 50)
				lat = append(lat, time.Since(t0))
				if err != nil || len(got) == 0 {
					b.Fatalf("lookup %d: %d found, %v", i, len(got), err)
				}
			}
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkEmailDomainLookup times ClientsByEmailDomain, the query that
// finds the clients sharing a new client's corporate email domain, as the
// router asks (the first 50), against benchClients clients: for a big
// customer's domain, where one client in benchDomainEvery has an address
// (200 at the default size, 10,000 at a million), and for a small one with
// three clients spread over the table. Its cost must follow what it
// returns, not the table or the domain.
func BenchmarkEmailDomainLookup(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			st, n := loadedStore(b, name)
			db := st.(interface{ SQL() *sql.DB }).SQL()
			ctx := context.Background()
			var big, small []int
			for i := benchDomainEvery; i <= n; i += benchDomainEvery {
				big = append(big, i)
			}
			for _, i := range []int{1, n / 2, n} {
				small = append(small, i)
			}
			addDomain(b, db, "corp.example", big)
			addDomain(b, db, "small.example", small)
			_, _ = db.ExecContext(ctx, `ANALYZE`)
			for _, d := range []struct {
				name, domain string
				want         int
			}{{"big", "corp.example", min(50, len(big))}, {"small", "small.example", len(small)}} {
				b.Run(d.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, 1<<16)
					b.ReportAllocs()
					for b.Loop() {
						t0 := time.Now()
						got, err := st.ClientsByEmailDomain(ctx, d.domain, 0, 50)
						lat = append(lat, time.Since(t0))
						if err != nil || len(got) != d.want {
							b.Fatalf("lookup: %d found, %v", len(got), err)
						}
					}
					reportPercentiles(b, lat)
				})
			}
		})
	}
}

// benchDomainEvery: one client in this many has an address at the big
// customer's domain.
const benchDomainEvery = 100

// addDomain gives each of clients an email identity at domain.
func addDomain(b *testing.B, db *sql.DB, domain string, clients []int) {
	b.Helper()
	for lo := 0; lo < len(clients); lo += 500 {
		var q strings.Builder
		var args []any
		q.WriteString(`INSERT INTO identities (kind, value, client_id, domain, created_at) VALUES `)
		for k, i := range clients[lo:min(lo+500, len(clients))] {
			if k > 0 {
				q.WriteString(", ")
			}
			p := len(args)
			fmt.Fprintf(&q, "('email', $%d, $%d, $%d, 0)", p+1, p+2, p+3)
			args = append(args, fmt.Sprintf("client%d@%s", i, domain), i, domain)
		}
		if _, err := db.ExecContext(context.Background(), q.String(), args...); err != nil {
			b.Fatal(err)
		}
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
