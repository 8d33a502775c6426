package stream

import "testing"

// BenchmarkCommitToFrameSQLite is commit-to-frame latency on the embedded
// store: the append's commit (with its fsync), the commit notification,
// the hub's read of the log and the frame reaching a connected client.
// It reports p50 and p99 like BenchmarkCommitToFrame.
func BenchmarkCommitToFrameSQLite(b *testing.B) {
	benchCommitToFrame(b, sqliteSource)
}

// BenchmarkCommitToFramePostgres is the same on PostgreSQL, where the
// wake-up goes through LISTEN/NOTIFY. Skipped without a test database.
func BenchmarkCommitToFramePostgres(b *testing.B) {
	benchCommitToFrame(b, postgresSource)
}

// BenchmarkCommitToFrame500SQLite is commit-to-frame on SQLite with 500
// consoles connected that receive every event too (issue target: p99 under
// 20 ms).
func BenchmarkCommitToFrame500SQLite(b *testing.B) {
	benchCommitToFrameWith(b, sqliteSource, 500)
}

// BenchmarkCommitToFrame500Postgres is the same on PostgreSQL.
func BenchmarkCommitToFrame500Postgres(b *testing.B) {
	benchCommitToFrameWith(b, postgresSource, 500)
}
