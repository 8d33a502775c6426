package sqldb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// BenchmarkClaimOutbox times the outbox worker's poll, ClaimOutbox, on a
// store holding benchClients replies already sent (the outbox keeps every
// one) and none due: what a quiet hub pays each poll. Its cost must not
// follow the history; on SQLite the poll is an UPDATE, so while it runs
// it also holds the one writer's lock.
func BenchmarkClaimOutbox(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			st := storetest.Stores()[name](b)
			db := st.(interface{ SQL() *sql.DB }).SQL()
			ctx := context.Background()
			n := benchClients(b)
			for lo := 1; lo <= n; lo += 500 {
				var q strings.Builder
				var args []any
				q.WriteString(`INSERT INTO outbox (channel, idempotency_key, payload, status, next_attempt_at, created_at, sent_at) VALUES `)
				for i := lo; i < lo+500 && i <= n; i++ {
					if i > lo {
						q.WriteString(", ")
					}
					fmt.Fprintf(&q, "('telegram', $%d, '{}', 'sent', $%d, 0, $%d)", len(args)+1, len(args)+2, len(args)+3)
					args = append(args, fmt.Sprintf("key-%d", i), int64(i), int64(i))
				}
				if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
					b.Fatal(err)
				}
			}
			_, _ = db.ExecContext(ctx, `ANALYZE`)
			lat := make([]time.Duration, 0, 1<<16)
			now := time.Now()
			for b.Loop() {
				t0 := time.Now()
				got, err := st.ClaimOutbox(ctx, now, time.Minute, 10)
				lat = append(lat, time.Since(t0))
				if err != nil || len(got) != 0 {
					b.Fatalf("claim: %d rows, %v", len(got), err)
				}
			}
			reportPercentiles(b, lat)
		})
	}
}
