package stream

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-hub/switchboard/storage"
)

// timeLayout is RFC 3339 with milliseconds, always in UTC, so the console can
// compare "at" values as strings.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// emptyData stands in for an event stored without data, so "data" is always
// an object the console can read fields from.
var emptyData = []byte("{}")

// encodeEvent serializes e as a frame envelope. Invalid stored data is
// replaced by {} rather than breaking every client's JSON parser; ok reports
// whether the data was kept.
func encodeEvent(e storage.Event) (frame []byte, ok bool) {
	data := []byte(e.Data)
	ok = true
	if len(data) == 0 {
		data = emptyData
	} else if !json.Valid(data) {
		data, ok = emptyData, false
	}
	return appendEnvelope(make([]byte, 0, len(data)+len(e.Type)+64), e.ID, e.Type, e.At, data), ok
}

// encodeFrame serializes an unstored frame (id 0) with payload v.
func encodeFrame(typ string, at time.Time, v any) []byte {
	data := emptyData
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			// The payloads are our own plain structs; failing to marshal
			// one is a programming error worth a crash in tests.
			panic("stream: marshal " + typ + " frame: " + err.Error())
		}
		data = b
	}
	return appendEnvelope(make([]byte, 0, len(data)+len(typ)+64), 0, typ, at, data)
}

// appendEnvelope writes {"id":…,"type":…,"at":…,"data":…} by hand: it runs
// once per event per broadcast and once per replayed event per connection,
// and data is already JSON, so going through encoding/json would only add a
// copy and a validation pass.
func appendEnvelope(b []byte, id int64, typ string, at time.Time, data []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"at":"`...)
	b = at.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","data":`...)
	b = append(b, data...)
	return append(b, '}')
}

// appendString appends s as a JSON string. Event types are short ASCII
// names, so the fast path covers them; anything else goes through
// encoding/json to be escaped correctly.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// clientFrame is any frame a client sends; Type selects which fields apply.
type clientFrame struct {
	Type     string `json:"type"`
	DialogID int64  `json:"dialog_id"`
	Since    *int64 `json:"since"`
}

// Client frame types.
const (
	clientPing   = "ping"
	clientTyping = "typing"
	clientResume = "resume"
)

// Error codes sent in error frames (event.ErrorData.Error).
const (
	// errBadFrame: the frame was not a JSON object with a type.
	errBadFrame = "bad_frame"
	// errUnknownType: the frame's type is not one the stream accepts.
	errUnknownType = "unknown_type"
	// errForbidden: the dialog does not exist or the manager may not see it.
	errForbidden = "forbidden"
	// errUnavailable: the stream could not check the request right now.
	errUnavailable = "unavailable"
	// errBadResume: a resume frame came too late or without a valid since.
	errBadResume = "bad_resume"
)

// decodeClientFrame parses a client frame; it must be a JSON text message
// with a type.
func decodeClientFrame(typ int, msg []byte) (clientFrame, error) {
	var f clientFrame
	if typ != websocket.TextMessage {
		return f, errors.New("frames must be JSON text messages")
	}
	if err := json.Unmarshal(msg, &f); err != nil {
		return f, errors.New("frame is not a JSON object")
	}
	if f.Type == "" {
		return f, errors.New("frame has no type")
	}
	return f, nil
}
