package postgres

import (
	"context"
	"time"

	"github.com/switchboard-hub/switchboard/storage/sqldb"
)

// OpenDB is openDB, for the driver's tests.
var OpenDB = openDB

// OpenPaced is Open with the replicas' hellos sent every beat, another
// replica taken to listen until ttl after it was heard, and the grace
// after connecting, so that a test sees them come and go.
func OpenPaced(ctx context.Context, url string, beat, ttl, grace time.Duration) (*sqldb.DB, error) {
	return open(ctx, url, peerTimes{beat: beat, ttl: ttl, grace: grace})
}
