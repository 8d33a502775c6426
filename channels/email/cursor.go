package email

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-hub/switchboard/storage"
)

// stateScope is the StateStore scope of all email cursors.
const stateScope = "email"

// cursor is the resume point of one folder: the folder's UIDVALIDITY and
// the highest UID whose letter the hub has committed. UIDs are only
// comparable within one UIDVALIDITY, so a different value on the server
// means the folder was rebuilt and is read again from the start.
type cursor struct {
	UIDValidity uint32
	LastUID     uint32
}

func (c cursor) String() string {
	return strconv.FormatUint(uint64(c.UIDValidity), 10) + ":" + strconv.FormatUint(uint64(c.LastUID), 10)
}

func parseCursor(s string) (cursor, error) {
	v, u, ok := strings.Cut(s, ":")
	if !ok {
		return cursor{}, fmt.Errorf("email: cursor %q: want uidvalidity:uid", s)
	}
	uv, err1 := strconv.ParseUint(v, 10, 32)
	uid, err2 := strconv.ParseUint(u, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return cursor{}, fmt.Errorf("email: cursor %q: %w", s, err)
	}
	return cursor{UIDValidity: uint32(uv), LastUID: uint32(uid)}, nil
}

// cursorKey names a folder's cursor: "<mailbox>/<folder>".
func cursorKey(mailbox, folder string) string { return mailbox + "/" + folder }

// loadCursor returns the stored cursor, or the zero cursor for a folder
// never read. A corrupt value is reported rather than reset, since a reset
// would re-read the whole folder.
func loadCursor(ctx context.Context, st StateStore, key string) (cursor, error) {
	v, err := st.GetState(ctx, stateScope, key)
	if errors.Is(err, storage.ErrNotFound) {
		return cursor{}, nil
	}
	if err != nil {
		return cursor{}, fmt.Errorf("email: load cursor %s: %w", key, err)
	}
	return parseCursor(v)
}

func saveCursor(ctx context.Context, st StateStore, key string, c cursor) error {
	if err := st.SetState(ctx, stateScope, key, c.String()); err != nil {
		return fmt.Errorf("email: save cursor %s: %w", key, err)
	}
	return nil
}
