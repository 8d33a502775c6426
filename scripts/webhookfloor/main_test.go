package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-hub/switchboard/channels/api"
	"github.com/switchboard-hub/switchboard/storage/storetest"
)

const secret = "floor-secret-0123456789"

// The floor answers as the hub's API channel does, one event per
// transaction or grouped: a stored event once, a replay as a duplicate of
// it, a bad signature 401, a malformed body 400.
func TestFloor(t *testing.T) {
	t.Parallel()
	for _, group := range []int{1, 16} {
		t.Run(fmt.Sprint("group ", group), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			pool, err := pgxpool.New(ctx, storetest.PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			if _, err := pool.Exec(ctx, schema); err != nil {
				t.Fatal(err)
			}
			h := &hook{pool: pool, secret: secret}
			if group > 1 {
				h.jobs = make(chan *job, 64)
				for range 2 {
					go h.commit(ctx, group)
				}
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			type receipt struct {
				ID        int64 `json:"message_id"`
				Duplicate bool  `json:"duplicate"`
			}
			post := func(body []byte, sig string) (int, receipt) {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/api/load", bytes.NewReader(body))
				req.Header.Set(api.SignatureHeader, sig)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return 0, receipt{}
				}
				defer resp.Body.Close()
				var rc receipt
				_ = json.NewDecoder(resp.Body).Decode(&rc)
				return resp.StatusCode, rc
			}
			event := func(id string) []byte { return []byte(`{"id":"` + id + `","text":"hello"}`) }

			// Twenty events, each sent twice at once: each stored once, its
			// copies answered with one id, exactly one of them as new.
			type answer struct {
				code int
				rc   receipt
			}
			answers := make([][2]answer, 20)
			var wg sync.WaitGroup
			for i := range answers {
				for k := range 2 {
					wg.Go(func() {
						b := event(fmt.Sprint("e", i))
						code, rc := post(b, api.Sign(secret, b))
						answers[i][k] = answer{code, rc}
					})
				}
			}
			wg.Wait()
			for i, a := range answers {
				if a[0].code != http.StatusOK || a[1].code != http.StatusOK || a[0].rc.ID == 0 || a[0].rc.ID != a[1].rc.ID ||
					a[0].rc.Duplicate == a[1].rc.Duplicate {
					t.Errorf("event %d sent twice: %+v", i, a)
				}
			}
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM floor_events`).Scan(&n); err != nil || n != 20 {
				t.Errorf("%d rows stored (%v), want 20", n, err)
			}

			b := event("bad")
			if code, _ := post(b, api.Sign("another secret", b)); code != http.StatusUnauthorized {
				t.Errorf("bad signature: %d, want 401", code)
			}
			b = []byte(`{"text":"no id"}`)
			if code, _ := post(b, api.Sign(secret, b)); code != http.StatusBadRequest {
				t.Errorf("no id: %d, want 400", code)
			}
		})
	}
}
