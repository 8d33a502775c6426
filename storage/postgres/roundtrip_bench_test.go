package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard-hub/switchboard/storage/postgres"
	"github.com/switchboard-hub/switchboard/storage/sqldb"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// BenchmarkRoundTrips measures what sending a transaction's statements one
// at a time costs against pipelining them, on this machine: a transaction
// of stmts single-row INSERTs (an ingest writes about this many rows), from
// 8 concurrent writers, each transaction committed durably.
//
//   - sql: database/sql over pgx's stdlib driver: BEGIN, each statement,
//     COMMIT, a round trip each;
//   - store: database/sql over the store's driver (pipeline.go), the last
//     statement marked as the store marks its events' append: BEGIN goes
//     with the first statement and COMMIT with the last, two round trips
//     fewer;
//   - pgx: the same through pgx's own pool;
//   - batch: BEGIN, one pgx.Batch with every statement, COMMIT;
//   - pipeline: the statements alone in one pgx.Batch, which PostgreSQL
//     runs as one implicit transaction: a single round trip.
//
// Reported as tx/s and statements/s; compare with pgbench's single-INSERT
// tps in scripts/perf.sh.
func BenchmarkRoundTrips(b *testing.B) {
	ctx := context.Background()
	url := storetest.PostgresURL(b)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	db := stdlib.OpenDBFromPool(pool)
	b.Cleanup(func() { db.Close() })
	store := postgres.OpenDB(pool)
	b.Cleanup(func() { store.Close() })
	if _, err := pool.Exec(ctx, `CREATE TABLE rt (id BIGSERIAL PRIMARY KEY, k INT NOT NULL, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	const insert = `INSERT INTO rt (k, v) VALUES ($1, $2)`

	run := func(b *testing.B, stmts int, tx func(stmts int) error) {
		b.SetParallelism(4) // 8 writers on 2 cores, as scripts/perf.sh
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := tx(stmts); err != nil {
					b.Error(err)
					return
				}
			}
		})
		s := b.Elapsed().Seconds()
		b.ReportMetric(float64(b.N)/s, "tx/s")
		b.ReportMetric(float64(b.N*stmts)/s, "stmts/s")
	}
	for _, stmts := range []int{1, 10} {
		b.Run(fmt.Sprintf("sql/%d", stmts), func(b *testing.B) {
			run(b, stmts, func(n int) error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				for i := range n {
					if _, err := tx.ExecContext(ctx, insert, i, "row"); err != nil {
						_ = tx.Rollback()
						return err
					}
				}
				return tx.Commit()
			})
		})
		b.Run(fmt.Sprintf("store/%d", stmts), func(b *testing.B) {
			run(b, stmts, func(n int) error {
				tx, err := store.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				for i := range n - 1 {
					if _, err := tx.ExecContext(ctx, insert, i, "row"); err != nil {
						_ = tx.Rollback()
						return err
					}
				}
				var id int64
				if err := tx.QueryRowContext(sqldb.WithCommitAfter(ctx), insert+` RETURNING id`, n, "row").Scan(&id); err != nil {
					_ = tx.Rollback()
					return err
				}
				return tx.Commit()
			})
		})
		b.Run(fmt.Sprintf("pgx/%d", stmts), func(b *testing.B) {
			run(b, stmts, func(n int) error {
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					for i := range n {
						if _, err := tx.Exec(ctx, insert, i, "row"); err != nil {
							return err
						}
					}
					return nil
				})
			})
		})
		b.Run(fmt.Sprintf("batch/%d", stmts), func(b *testing.B) {
			run(b, stmts, func(n int) error {
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					return sendInserts(ctx, tx, insert, n)
				})
			})
		})
		b.Run(fmt.Sprintf("pipeline/%d", stmts), func(b *testing.B) {
			run(b, stmts, func(n int) error {
				return sendInserts(ctx, pool, insert, n)
			})
		})
	}
}

// sendInserts sends n inserts as one batch and reads every result.
func sendInserts(ctx context.Context, q interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, insert string, n int) error {
	var batch pgx.Batch
	for i := range n {
		batch.Queue(insert, i, "row")
	}
	return q.SendBatch(ctx, &batch).Close()
}
