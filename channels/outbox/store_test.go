package outbox

import (
	"testing"

	"github.com/switchboard-hub/switchboard/storage/storetest"
)

// The shared worker tests run against both real stores too, so the lease
// semantics the worker relies on are checked where they are implemented.

func TestWorkerSQLite(t *testing.T) {
	t.Parallel()
	testWorker(t, func(t *testing.T) harnessStore { return storetest.SQLite(t) })
}

func TestWorkerPostgres(t *testing.T) {
	t.Parallel()
	testWorker(t, func(t *testing.T) harnessStore { return storetest.Postgres(t) })
}
