package api

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		want     Payload
		wantCode string
		wantMsg  string
	}{
		{
			name: "full event",
			body: `{"id":"e1","from":{"name":"Ann","phone":"8 912 345-67-89","email":"a@x.ru","external_id":"u7"},"text":"hi","thread":"order-5","at":"2026-03-01T10:00:00+03:00"}`,
			want: Payload{ID: "e1", From: From{Name: "Ann", Phone: "8 912 345-67-89", Email: "a@x.ru", ExternalID: "u7"}, Text: "hi", Thread: "order-5",
				At: time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)},
		},
		{
			name: "unknown fields are tolerated",
			body: `{"id":"e2","from":{"email":"a@x.ru","avatar":"x"},"text":"hi","priority":3}`,
			want: Payload{ID: "e2", From: From{Email: "a@x.ru"}, Text: "hi"},
		},
		{name: "not json", body: `{"id":`, wantCode: codeInvalidJSON, wantMsg: "syntax"},
		{name: "trailing garbage", body: `{"id":"e","text":"t","from":{"email":"a@x"}} x`, wantCode: codeInvalidJSON},
		{name: "array", body: `[1]`, wantCode: codeInvalidJSON, wantMsg: "object"},
		{name: "wrong type", body: `{"id":5}`, wantCode: codeInvalidJSON, wantMsg: "id must be a string"},
		{name: "missing id", body: `{"text":"hi","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "id is required"},
		{name: "blank id", body: `{"id":"  ","text":"hi","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "id is required"},
		{name: "null body", body: `null`, wantCode: codeInvalidPayload, wantMsg: "id is required"},
		{name: "id too long", body: `{"id":"` + strings.Repeat("x", MaxIDLen+1) + `","text":"hi","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "id is longer"},
		{name: "missing text", body: `{"id":"e","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "text is required"},
		{name: "text too long", body: `{"id":"e","text":"` + strings.Repeat("x", MaxTextLen+1) + `","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "text is longer"},
		{name: "thread too long", body: `{"id":"e","text":"t","thread":"` + strings.Repeat("x", MaxFieldLen+1) + `","from":{"email":"a@x.ru"}}`, wantCode: codeInvalidPayload, wantMsg: "thread is longer"},
		{name: "no sender", body: `{"id":"e","text":"t","from":{"name":"Ann"}}`, wantCode: codeInvalidPayload, wantMsg: "from needs"},
		{name: "bad time", body: `{"id":"e","text":"t","from":{"email":"a@x.ru"},"at":"yesterday"}`, wantCode: codeInvalidPayload, wantMsg: "at is not an RFC 3339 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeEvent([]byte(tt.body))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("DecodeEvent: %v", err)
				}
				if !got.At.Equal(tt.want.At) {
					t.Errorf("At = %v, want %v", got.At, tt.want.At)
				}
				got.At, tt.want.At = time.Time{}, time.Time{}
				if got != tt.want {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PayloadError", err)
			}
			if pe.Code != tt.wantCode || !strings.Contains(pe.Message, tt.wantMsg) {
				t.Errorf("err = %s %q, want %s containing %q", pe.Code, pe.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"id":"e1","from":{"name":"Ann","phone":"+79123456789"},"text":"hi","at":"2026-03-01T10:00:00Z"}`,
		`{"id":" ","text":"x","from":{"email":"a@b"}}`,
		`{"id":"e","text":"t","from":{"external_id":"u"},"at":"2026-13-01T00:00:00Z"}`,
		`{"id":"\u0000","text":"\ud800","from":{"phone":"1"}}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeEvent(body)
		if err != nil {
			var pe *PayloadError
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("error %v is not a complete *PayloadError", err)
			}
			return
		}
		if strings.TrimSpace(p.ID) == "" || len(p.ID) > MaxIDLen {
			t.Fatalf("accepted id %q", p.ID)
		}
		if strings.TrimSpace(p.Text) == "" || len(p.Text) > MaxTextLen {
			t.Fatalf("accepted text of %d bytes", len(p.Text))
		}
		if p.From.Phone == "" && p.From.Email == "" && p.From.ExternalID == "" {
			t.Fatal("accepted an event without a sender")
		}
	})
}
