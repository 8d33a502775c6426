// Package blob keeps attachment bytes on the file system, addressed by
// their SHA-256, so the same file received twice is stored once and a
// replayed event rewrites nothing.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/switchboard-hub/switchboard/storage"
)

// Dir is a blob store rooted at a directory.
type Dir struct {
	root string
}

// Open returns a store rooted at root, creating it if needed.
func Open(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", root, err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(key string) (string, error) {
	if len(key) != 64 {
		return "", fmt.Errorf("blob: bad key %q", key)
	}
	if _, err := hex.DecodeString(key); err != nil {
		return "", fmt.Errorf("blob: bad key %q", key)
	}
	return filepath.Join(d.root, key[:2], key), nil
}

// Put stores content and returns its key. The file is written under a
// temporary name, synced and renamed, so a crash never leaves a partial
// blob under a valid key.
func (d *Dir) Put(ctx context.Context, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	key := hex.EncodeToString(sum[:])
	p, _ := d.path(key)
	if _, err := os.Stat(p); err == nil {
		return key, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("blob: write %s: %w", key, err)
	}
	return key, nil
}

// Open opens the blob under key; a missing one is storage.ErrNotFound.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", storage.ErrNotFound, err)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: %s: %w", key, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

// Get reads the whole blob under key.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, error) {
	f, err := d.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
