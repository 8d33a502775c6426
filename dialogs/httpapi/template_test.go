package httpapi

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-hub/switchboard/storage/sqlite"
)

// template is a fixture built once on an SQLite file and then copied for
// each case: the matrix runs hundreds of cases that each may change the
// data, and copying a closed database file is much cheaper than building
// the fixture through the router again.
type template struct {
	dir string
	f   fixture
}

// newTemplate builds the fixture into a database file under t's temp dir
// and closes it.
func newTemplate(t *testing.T) *template {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return &template{dir: dir, f: *f}
}

// clone opens a private copy of the template's database for one test. The
// blob directory is shared: cases only read attachments.
func (tp *template) clone(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(tp.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "switchboard.db") {
			copyFile(t, filepath.Join(tp.dir, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := tp.f
	f.wire(t, st, tp.f.blobs)
	return &f
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
