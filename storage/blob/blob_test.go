package blob

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-hub/switchboard/storage"
)

func TestPutGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k1, err := d.Put(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := d.Put(ctx, []byte("hello"))
	if err != nil || k1 != k2 {
		t.Fatalf("same content gave keys %q and %q (%v)", k1, k2, err)
	}
	got, err := d.Get(ctx, k1)
	if err != nil || string(got) != "hello" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	for _, key := range []string{"", "../../etc/passwd", k1[:63] + "z", "0000000000000000000000000000000000000000000000000000000000000000"} {
		if _, err := d.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
		}
	}
}
