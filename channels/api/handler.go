package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
	"github.com/switchboard-hub/switchboard/storage"
)

// Pattern is the ServeMux pattern the handler is registered under; the
// handler reads the channel name from its {channel} wildcard.
const Pattern = "POST /hooks/api/{channel}"

// DefaultMaxBody is the default request body limit.
const DefaultMaxBody = 1 << 20

// Options tunes a Handler. Zero values take the defaults.
type Options struct {
	// MaxBody limits request bodies in bytes (default DefaultMaxBody).
	MaxBody int64
	// RetryAfter is what a 503 asks the sender to wait (default 5s).
	RetryAfter time.Duration
	// Logger receives server-side failures (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock for events without "at" (default time.Now).
	Now func() time.Time
}

// Handler serves POST /hooks/api/{channel}. It knows nothing about storage:
// it verifies, decodes and maps the event and hands it to the Ingester,
// answering only after Ingest returned, i.e. after the event is committed.
type Handler struct {
	channels map[string]Config
	ingester channels.Ingester
	maxBody  int64
	retry    time.Duration
	log      *slog.Logger
	now      func() time.Time
}

// NewHandler builds a handler for the configured channels.
func NewHandler(cfgs []Config, ing channels.Ingester, opts Options) (*Handler, error) {
	if ing == nil {
		return nil, errors.New("api: nil ingester")
	}
	m, err := index(cfgs)
	if err != nil {
		return nil, err
	}
	h := &Handler{channels: m, ingester: ing, maxBody: opts.MaxBody, retry: opts.RetryAfter, log: opts.Logger, now: opts.Now}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	if h.retry <= 0 {
		h.retry = 5 * time.Second
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h, nil
}

// ServeHTTP handles one inbound event.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("channel")
	cfg, ok := h.channels[name]
	if !ok {
		writeError(w, http.StatusNotFound, codeUnknownChannel, "no API channel with this name")
		return
	}
	// Refuse unsigned requests before reading a possibly large body.
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		writeError(w, http.StatusUnauthorized, codeMissingSignature, "the "+SignatureHeader+" header is required")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge, "body is larger than "+strconv.FormatInt(h.maxBody, 10)+" bytes")
			return
		}
		writeError(w, http.StatusBadRequest, codeBadRequest, "cannot read the request body")
		return
	}
	if err := VerifySignature(cfg.Secret, body, sig); err != nil {
		writeError(w, http.StatusUnauthorized, codeInvalidSignature, "signature does not match the body")
		return
	}
	p, err := DecodeEvent(body)
	if err != nil {
		var pe *PayloadError
		if errors.As(err, &pe) {
			writeError(w, http.StatusBadRequest, pe.Code, pe.Message)
			return
		}
		writeError(w, http.StatusBadRequest, codeInvalidPayload, err.Error())
		return
	}
	rc, err := h.ingester.Ingest(r.Context(), h.event(cfg, p))
	if err != nil {
		h.ingestFailed(w, r, cfg, p, err)
		return
	}
	status := http.StatusAccepted
	if rc.Duplicate {
		// A replay stored nothing new; 200 tells it apart from a first
		// delivery while still being a success to retrying senders.
		status = http.StatusOK
	}
	writeJSON(w, status, rc)
}

// event maps a payload to the hub's inbound event.
func (h *Handler) event(cfg Config, p Payload) channels.InboundEvent {
	ev := channels.InboundEvent{
		Channel:    cfg.Channel(),
		ExternalID: p.ID,
		SenderID:   senderID(p.From),
		From:       channels.Contact{Name: p.From.Name},
		At:         p.At,
		Text:       p.Text,
		ThreadKey:  p.Thread,
		Team:       cfg.Team,
	}
	if ev.At.IsZero() {
		ev.At = h.now()
	}
	if p.From.Phone != "" {
		ev.From.Identities = append(ev.From.Identities, channels.Identity{Kind: channels.Phone, Value: p.From.Phone})
	}
	if p.From.Email != "" {
		ev.From.Identities = append(ev.From.Identities, channels.Identity{Kind: channels.Email, Value: p.From.Email})
	}
	return ev
}

// senderID is the sending system's id of the person; without one the raw
// phone or email stands in, so that events whose contact the router cannot
// use (a garbled phone) still group under one anonymous client instead of
// one per event.
func senderID(f From) string {
	switch {
	case f.ExternalID != "":
		return f.ExternalID
	case f.Phone != "":
		return f.Phone
	default:
		return f.Email
	}
}

// ingestFailed answers an Ingest error: the sender's fault is a 400 with
// the router's reason, an unreachable database a 503 the sender retries,
// anything else a 500 whose detail stays in the log.
func (h *Handler) ingestFailed(w http.ResponseWriter, r *http.Request, cfg Config, p Payload, err error) {
	switch {
	case errors.Is(err, channels.ErrInvalidEvent):
		writeError(w, http.StatusBadRequest, codeInvalidEvent, err.Error())
	case errors.Is(err, storage.ErrUnavailable):
		h.log.WarnContext(r.Context(), "api: ingest unavailable",
			slog.String("channel", cfg.Channel()), slog.String("event_id", p.ID), slog.Any("err", err))
		w.Header().Set("Retry-After", strconv.Itoa(int((h.retry+time.Second-1)/time.Second)))
		writeError(w, http.StatusServiceUnavailable, codeUnavailable, "the hub cannot store events right now; retry later")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The sender hung up; nobody reads the answer and it will retry.
		h.log.InfoContext(r.Context(), "api: sender went away during ingest",
			slog.String("channel", cfg.Channel()), slog.String("event_id", p.ID))
	default:
		h.log.ErrorContext(r.Context(), "api: ingest failed",
			slog.String("channel", cfg.Channel()), slog.String("event_id", p.ID), slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, codeInternal, "internal error")
	}
}
