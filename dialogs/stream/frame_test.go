package stream

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-hub/switchboard/storage"
)

func TestEncodeEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 4, 5, 6, 7, 891_234_000, time.FixedZone("MSK", 3*3600))
	cases := []struct {
		name string
		e    storage.Event
		want string
		ok   bool
	}{
		{"plain", storage.Event{ID: 42, Type: "message.created", At: at, Data: json.RawMessage(`{"a":1}`)},
			`{"id":42,"type":"message.created","at":"2025-03-04T02:06:07.891Z","data":{"a":1}}`, true},
		{"no data", storage.Event{ID: 1, Type: "queue.changed", At: at},
			`{"id":1,"type":"queue.changed","at":"2025-03-04T02:06:07.891Z","data":{}}`, true},
		{"broken data", storage.Event{ID: 2, Type: "x", At: at, Data: json.RawMessage(`{"a":`)},
			`{"id":2,"type":"x","at":"2025-03-04T02:06:07.891Z","data":{}}`, false},
		{"type needing escapes", storage.Event{ID: 3, Type: `a"b<`, At: at, Data: json.RawMessage(`[]`)},
			`{"id":3,"type":"a\"b\u003c","at":"2025-03-04T02:06:07.891Z","data":[]}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := encodeEvent(tc.e)
			if string(got) != tc.want || ok != tc.ok {
				t.Fatalf("got %s, %v\nwant %s, %v", got, ok, tc.want, tc.ok)
			}
			if !json.Valid(got) {
				t.Fatal("frame is not JSON")
			}
		})
	}
}

func TestEncodeFrame(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	got := string(encodeFrame("pong", at, nil))
	if want := `{"id":0,"type":"pong","at":"2025-01-02T03:04:05.000Z","data":{}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{`{"type":"ping"}`, `{"type":"typing","dialog_id":5}`, `{"type":"resume","since":9}`, `[]`, `{"type":1}`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := decodeClientFrame(websocket.TextMessage, []byte(s))
		if err == nil && fr.Type == "" {
			t.Fatalf("%q decoded without a type", s)
		}
	})
}

// BenchmarkEncodeFrame measures serializing one event, done once per
// broadcast whatever the number of connections.
func BenchmarkEncodeFrame(b *testing.B) {
	e := storage.Event{
		ID: 123456, Type: "message.created", At: time.Now(),
		Data: json.RawMessage(`{"message":{"id":991,"dialog_id":77,"client_id":5,"channel":"telegram","external_id":"tg:5:991","direction":"in","text":"Здравствуйте! Подскажите, пожалуйста, сроки доставки заказа №4411 в Екатеринбург.","status":"received","created_at":"2025-01-02T03:04:05.123Z"}}`),
	}
	b.Run("envelope", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeEvent(e)
		}
	})
	// The broadcast also frames the envelope once for all connections.
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, _ := encodeEvent(e)
			if _, err := websocket.NewPreparedMessage(websocket.TextMessage, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
