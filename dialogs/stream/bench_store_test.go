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
