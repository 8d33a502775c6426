package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
)

var testMsg = channels.OutboundMessage{
	OutboxID: 9, Channel: "api:shop", DialogID: 4, MessageID: 11,
	IdempotencyKey: "out-9", Attempt: 1, To: "user-7", FromName: "Maria", Text: "On its way", ThreadKey: "order-5",
}

func TestSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantExt    string
		wantErr    bool
		permanent  bool
		retryAfter time.Duration // >0: a RetryAfterError with this delay
	}{
		{name: "ok with id", status: http.StatusOK, body: `{"id":"far-1"}`, wantExt: "far-1"},
		{name: "accepted without body", status: http.StatusAccepted, wantExt: "out-9"},
		{name: "ok with non-json body", status: http.StatusOK, body: "thanks", wantExt: "out-9"},
		{name: "429 retry-after seconds", status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "120"}, wantErr: true, retryAfter: 2 * time.Minute},
		{name: "503 retry-after date", status: http.StatusServiceUnavailable, header: map[string]string{"Retry-After": fixedNow.Add(90 * time.Second).Format(http.TimeFormat)}, wantErr: true, retryAfter: 90 * time.Second},
		{name: "429 without retry-after", status: http.StatusTooManyRequests, wantErr: true},
		{name: "400 is permanent", status: http.StatusBadRequest, body: `{"error":"unknown user"}`, wantErr: true, permanent: true},
		{name: "410 is permanent", status: http.StatusGone, wantErr: true, permanent: true},
		{name: "redirect is permanent", status: http.StatusFound, header: map[string]string{"Location": "/elsewhere"}, wantErr: true, permanent: true},
		{name: "408 is retried", status: http.StatusRequestTimeout, wantErr: true},
		{name: "500 is retried", status: http.StatusInternalServerError, wantErr: true},
		{name: "502 is retried", status: http.StatusBadGateway, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// The fake receiver checks the request as a real one must.
				body, _ := io.ReadAll(r.Body)
				if r.Method != http.MethodPost || r.URL.Path != "/reply" {
					t.Errorf("request %s %s", r.Method, r.URL.Path)
				}
				if err := VerifySignature(testSecret, body, r.Header.Get(SignatureHeader)); err != nil {
					t.Errorf("signature: %v", err)
				}
				if got := r.Header.Get(IdempotencyHeader); got != "out-9" {
					t.Errorf("Idempotency-Key = %q", got)
				}
				var got outbound
				if err := json.Unmarshal(body, &got); err != nil {
					t.Errorf("body %s: %v", body, err)
				}
				want := outbound{ID: "out-9", DialogID: 4, MessageID: 11, To: "user-7", FromName: "Maria", Text: "On its way", Thread: "order-5", At: fixedNow}
				if !got.At.Equal(want.At) {
					t.Errorf("at = %v", got.At)
				}
				got.At = want.At
				if got != want {
					t.Errorf("body = %+v, want %+v", got, want)
				}
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			s := NewSender(Config{Name: "shop", Secret: testSecret, CallbackURL: srv.URL + "/reply"}, srv.Client())
			s.now = func() time.Time { return fixedNow }
			res, err := s.Send(context.Background(), testMsg)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if res.ExternalID != tt.wantExt {
					t.Errorf("ExternalID = %q, want %q", res.ExternalID, tt.wantExt)
				}
				return
			}
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if got := channels.IsPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			d, ok := channels.RetryAfter(err)
			if ok != (tt.retryAfter > 0) || d != tt.retryAfter {
				t.Errorf("retry after = %v %v, want %v (%v)", d, ok, tt.retryAfter, err)
			}
		})
	}
}

func TestSenderTransportErrors(t *testing.T) {
	t.Parallel()
	t.Run("no callback is permanent", func(t *testing.T) {
		t.Parallel()
		_, err := NewSender(Config{Name: "shop", Secret: testSecret}, nil).Send(context.Background(), testMsg)
		if !channels.IsPermanent(err) {
			t.Errorf("err = %v, want permanent", err)
		}
	})
	t.Run("connection refused is retried", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := NewSender(Config{Name: "shop", Secret: testSecret, CallbackURL: url}, &http.Client{Timeout: time.Second}).Send(context.Background(), testMsg)
		if err == nil || channels.IsPermanent(err) {
			t.Errorf("err = %v, want a retryable error", err)
		}
	})
	t.Run("timeout is retried", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := NewSender(Config{Name: "shop", Secret: testSecret, CallbackURL: srv.URL}, srv.Client()).Send(ctx, testMsg)
		if !errors.Is(err, context.DeadlineExceeded) || channels.IsPermanent(err) {
			t.Errorf("err = %v, want a retryable deadline error", err)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{name: "seconds", in: "30", want: 30 * time.Second, ok: true},
		{name: "zero", in: "0", want: 0, ok: true},
		{name: "huge is bounded", in: "99999999999", want: 24 * time.Hour, ok: true},
		{name: "negative", in: "-5"},
		{name: "date", in: fixedNow.Add(time.Minute).Format(http.TimeFormat), want: time.Minute, ok: true},
		{name: "past date", in: fixedNow.Add(-time.Hour).Format(http.TimeFormat), want: 0, ok: true},
		{name: "garbage", in: "soon"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseRetryAfter(tt.in, fixedNow)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
