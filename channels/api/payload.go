package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on payload fields, in bytes. They keep one event's columns and
// index keys bounded whatever the body limit is set to.
const (
	MaxIDLen    = 256
	MaxFieldLen = 256
	MaxTextLen  = 64 << 10
)

// Payload is a decoded and validated inbound event of the API channel.
type Payload struct {
	// ID is the sender's unique event id; the same id again is a replay.
	ID     string
	From   From
	Text   string
	Thread string
	// At is when the event happened; zero when the sender left it out.
	At time.Time
}

// From is what the sender knows about the person behind an event.
type From struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
	// ExternalID is the sending system's own id of the person.
	ExternalID string `json:"external_id"`
}

// wirePayload is the body as posted. Unknown fields are ignored so senders
// can add fields before this side knows them (forward compatibility).
type wirePayload struct {
	ID     string `json:"id"`
	From   From   `json:"from"`
	Text   string `json:"text"`
	Thread string `json:"thread"`
	At     string `json:"at"`
}

// PayloadError says why a body was refused. Code is the error code of the
// HTTP answer: invalid_json for bodies that are not the expected JSON,
// invalid_payload for JSON that breaks a rule.
type PayloadError struct {
	Code    string
	Message string
}

func (e *PayloadError) Error() string { return "api: " + e.Message }

func invalid(format string, args ...any) error {
	return &PayloadError{Code: codeInvalidPayload, Message: fmt.Sprintf(format, args...)}
}

// DecodeEvent parses and validates an inbound body. Every error it returns
// is a *PayloadError describing the sender's mistake.
func DecodeEvent(body []byte) (Payload, error) {
	var w wirePayload
	if err := json.Unmarshal(body, &w); err != nil {
		return Payload{}, &PayloadError{Code: codeInvalidJSON, Message: "body is not a valid event object: " + jsonReason(err)}
	}
	// json.Unmarshal turns invalid UTF-8 into U+FFFD, so strings are valid
	// UTF-8 from here on.
	p := Payload{
		ID:     strings.TrimSpace(w.ID),
		From:   trimFrom(w.From),
		Text:   w.Text,
		Thread: strings.TrimSpace(w.Thread),
	}
	if p.ID == "" {
		return Payload{}, invalid("id is required")
	}
	if len(p.ID) > MaxIDLen {
		return Payload{}, invalid("id is longer than %d bytes", MaxIDLen)
	}
	if strings.TrimSpace(p.Text) == "" {
		return Payload{}, invalid("text is required")
	}
	if len(p.Text) > MaxTextLen {
		return Payload{}, invalid("text is longer than %d bytes", MaxTextLen)
	}
	for _, f := range []struct{ name, v string }{
		{"thread", p.Thread},
		{"from.name", p.From.Name},
		{"from.phone", p.From.Phone},
		{"from.email", p.From.Email},
		{"from.external_id", p.From.ExternalID},
	} {
		if len(f.v) > MaxFieldLen {
			return Payload{}, invalid("%s is longer than %d bytes", f.name, MaxFieldLen)
		}
	}
	// Without any of these the router could only file the event under a
	// client of its own, so the sender is asked to say who wrote it.
	if p.From.Phone == "" && p.From.Email == "" && p.From.ExternalID == "" {
		return Payload{}, invalid("from needs at least one of phone, email, external_id")
	}
	if at := strings.TrimSpace(w.At); at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return Payload{}, invalid("at is not an RFC 3339 time: %q", truncate(at, 64))
		}
		p.At = t
	}
	return p, nil
}

func trimFrom(f From) From {
	return From{
		Name:       strings.TrimSpace(f.Name),
		Phone:      strings.TrimSpace(f.Phone),
		Email:      strings.TrimSpace(f.Email),
		ExternalID: strings.TrimSpace(f.ExternalID),
	}
}

// jsonReason turns a decoding error into a short reason without echoing
// large parts of the body back.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%s must be a %s, not %s", typ.Field, typ.Type, typ.Value)
		}
		return fmt.Sprintf("want a JSON object, not %s", typ.Value)
	default:
		return "malformed JSON"
	}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
