package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
)

var _ channels.Sender = (*Sender)(nil)

// IdempotencyHeader carries the outbox row's idempotency key; it equals the
// body's "id", so a receiver can drop a repeat from either.
const IdempotencyHeader = "Idempotency-Key"

// maxResponse bounds how much of a callback's answer is read.
const maxResponse = 64 << 10

// Sender posts replies on one API channel to its callback URL.
type Sender struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
}

// NewSender returns a sender for cfg using client, which should carry a
// timeout; the outbox also bounds each send with a context deadline.
// Redirects are not followed: a signed POST that is redirected would be
// re-sent elsewhere or turned into a GET, so a 3xx fails permanently and
// the operator configures the final URL.
func NewSender(cfg Config, client *http.Client) *Sender {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Sender{cfg: cfg, client: &c, now: time.Now}
}

// outbound is the JSON body posted to the callback URL.
type outbound struct {
	ID        string    `json:"id"`
	DialogID  int64     `json:"dialog_id"`
	MessageID int64     `json:"message_id"`
	To        string    `json:"to"`
	FromName  string    `json:"from_name,omitempty"`
	Text      string    `json:"text"`
	Thread    string    `json:"thread,omitempty"`
	At        time.Time `json:"at"`
}

// Send posts msg. 2xx is delivered; 429 and 503 with Retry-After ask the
// outbox to wait; other 4xx (but 408) and 3xx are permanent; 5xx, 408 and
// transport errors are retried with backoff.
func (s *Sender) Send(ctx context.Context, msg channels.OutboundMessage) (channels.SendResult, error) {
	if s.cfg.CallbackURL == "" {
		return channels.SendResult{}, channels.Permanent(fmt.Errorf("api: channel %q has no callback url", s.cfg.Name))
	}
	body, err := json.Marshal(outbound{
		ID: msg.IdempotencyKey, DialogID: msg.DialogID, MessageID: msg.MessageID,
		To: msg.To, FromName: msg.FromName, Text: msg.Text, Thread: msg.ThreadKey,
		At: s.now().UTC(),
	})
	if err != nil {
		return channels.SendResult{}, channels.Permanent(fmt.Errorf("api: encode reply: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return channels.SendResult{}, channels.Permanent(fmt.Errorf("api: build request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(s.cfg.Secret, body))
	req.Header.Set(IdempotencyHeader, msg.IdempotencyKey)
	resp, err := s.client.Do(req)
	if err != nil {
		return channels.SendResult{}, fmt.Errorf("api: post reply: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return s.result(resp, answer, msg.IdempotencyKey)
}

// result classifies a callback's answer.
func (s *Sender) result(resp *http.Response, answer []byte, key string) (channels.SendResult, error) {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		// The far side has the message whatever its body says; an
		// unreadable body must not turn a delivery into a retry.
		var got struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(answer, &got) == nil && got.ID != "" {
			return channels.SendResult{ExternalID: got.ID}, nil
		}
		return channels.SendResult{ExternalID: key}, nil
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		err := statusError(code, answer)
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), s.now()); ok {
			return channels.SendResult{}, &channels.RetryAfterError{After: d, Err: err}
		}
		return channels.SendResult{}, err
	case code == http.StatusRequestTimeout || code >= 500:
		return channels.SendResult{}, statusError(code, answer)
	default:
		return channels.SendResult{}, channels.Permanent(statusError(code, answer))
	}
}

// statusError names the status and a short piece of the answer, which is
// usually the receiver's own reason.
func statusError(code int, answer []byte) error {
	text := truncate(string(bytes.TrimSpace(answer)), 200)
	if text == "" {
		return fmt.Errorf("api: callback answered %d %s", code, http.StatusText(code))
	}
	return fmt.Errorf("api: callback answered %d %s: %s", code, http.StatusText(code), text)
}
