package email

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
)

func readEML(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func parseEML(t *testing.T, name string, opts ParseOptions) channels.InboundEvent {
	t.Helper()
	ev, err := Parse(readEML(t, name), opts)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return ev
}

func TestParseSamples(t *testing.T) {
	t.Parallel()
	own := ParseOptions{OwnAddresses: []string{"sales@example.com"}, Channel: "email:sales"}
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, ev channels.InboundEvent)
	}{
		{"windows-1251 body and base64 subject", "cp1251.eml", func(t *testing.T, ev channels.InboundEvent) {
			want(t, "Subject", ev.Subject, "Счёт на бумагу")
			want(t, "From.Name", ev.From.Name, "Иван Петров")
			want(t, "ExternalID", ev.ExternalID, "cp1251-1@romashka.ru")
			want(t, "SenderID", ev.SenderID, "ivan.petrov@romashka.ru")
			contains(t, ev.Text, "Прошу выставить счёт на 10 коробок бумаги А4.")
			if len(ev.From.Identities) != 1 || ev.From.Identities[0] != (channels.Identity{Kind: channels.Email, Value: "ivan.petrov@romashka.ru"}) {
				t.Errorf("Identities = %+v", ev.From.Identities)
			}
			// The phone in the signature is a weak identity; the INN is not.
			if len(ev.From.Weak) != 1 || ev.From.Weak[0].Value != "+7 (912) 345-67-89" || ev.From.Weak[0].Kind != channels.Phone {
				t.Errorf("Weak = %+v", ev.From.Weak)
			}
			want(t, "ThreadKey", ev.ThreadKey, "счёт на бумагу")
			if !ev.At.Equal(time.Date(2024, 2, 5, 7, 0, 0, 0, time.UTC)) {
				t.Errorf("At = %v", ev.At)
			}
		}},
		{"KOI8-R quoted-printable body and Q subject", "koi8r.eml", func(t *testing.T, ev channels.InboundEvent) {
			want(t, "Subject", ev.Subject, "Доставка заказа")
			want(t, "From.Name", ev.From.Name, "Мария")
			contains(t, ev.Text, "Нужна доставка в Екатеринбург до пятницы.")
		}},
		{"nested multipart with inline cid image", "nested.eml", func(t *testing.T, ev channels.InboundEvent) {
			want(t, "Subject", ev.Subject, "Прайс-лист")
			contains(t, ev.Text, "Во вложении прайс-лист.")
			// The image URL names the stored message by channel and
			// Message-ID, then the part by Content-ID.
			contains(t, ev.HTML, `src="/api/v1/attachments/cid/email:sales/nested-1@romashka.ru/logo@romashka.ru"`)
			contains(t, ev.HTML, "<b>прайс-лист</b>")
			if len(ev.Attachments) != 2 {
				t.Fatalf("attachments = %d, want 2", len(ev.Attachments))
			}
			img, pdf := ev.Attachments[0], ev.Attachments[1]
			want(t, "img.ContentID", img.ContentID, "logo@romashka.ru")
			want(t, "img.ContentType", img.ContentType, "image/png")
			if !strings.HasPrefix(string(img.Content), "\x89PNG") || img.Size != int64(len(img.Content)) {
				t.Errorf("image content not decoded: %q", img.Content[:min(8, len(img.Content))])
			}
			want(t, "pdf.Filename", pdf.Filename, "Прайс-лист 2024.pdf")
			if !strings.HasPrefix(string(pdf.Content), "%PDF-1.4") {
				t.Errorf("pdf content not decoded")
			}
		}},
		{"HTML-only letter is sanitized and gets a text body", "html_only.eml", func(t *testing.T, ev channels.InboundEvent) {
			for _, bad := range []string{"<script", "alert(", "onclick", "javascript:", "tracker.example.net", "<style"} {
				if strings.Contains(ev.HTML, bad) {
					t.Errorf("HTML keeps %q: %s", bad, ev.HTML)
				}
			}
			contains(t, ev.HTML, `href="https://shop.example.com/"`)
			contains(t, ev.HTML, `rel="nofollow noreferrer noopener"`)
			contains(t, ev.Text, "Hello, please call me back.")
			if strings.Contains(ev.Text, "old quoted text") || strings.Contains(ev.Text, "alert") {
				t.Errorf("Text = %q: want the blockquote folded and no script", ev.Text)
			}
		}},
		{"bounce is automated and threads to the bounced letter", "bounce.eml", func(t *testing.T, ev channels.InboundEvent) {
			if !ev.Automated {
				t.Error("Automated = false")
			}
			if len(ev.InReplyTo) == 0 || ev.InReplyTo[0] != "outbox-17@example.com" {
				t.Errorf("InReplyTo = %v", ev.InReplyTo)
			}
			want(t, "dsn_status", ev.Meta["dsn_status"], "5.1.1")
			want(t, "dsn_recipient", ev.Meta["dsn_recipient"], "nobody@example.net")
			contains(t, ev.Text, "could not")
		}},
		{"auto-reply is automated", "autoreply.eml", func(t *testing.T, ev channels.InboundEvent) {
			if !ev.Automated || !strings.Contains(ev.Meta["automated"], "auto-replied") {
				t.Errorf("Automated = %v (%q)", ev.Automated, ev.Meta["automated"])
			}
			want(t, "ThreadKey", ev.ThreadKey, "счёт")
			if !slices.Equal(ev.InReplyTo, []string{"outbox-20@example.com"}) {
				t.Errorf("InReplyTo = %v", ev.InReplyTo)
			}
		}},
		{"English reply: plus address, chain, folded quote", "reply_en.eml", func(t *testing.T, ev channels.InboundEvent) {
			if ev.DialogID != 42 {
				t.Errorf("DialogID = %d, want 42", ev.DialogID)
			}
			wantChain := []string{"outbox-31@example.com", "outbox-30@example.com", "first-1@client.example"}
			if !slices.Equal(ev.InReplyTo, wantChain) {
				t.Errorf("InReplyTo = %v, want %v", ev.InReplyTo, wantChain)
			}
			want(t, "ThreadKey", ev.ThreadKey, "quote for 100 chairs")
			want(t, "Text", ev.Text, "Thanks, that works for us. Please send the invoice.\n\nJohn Smith\nMobile: 8 912 345 67 89")
			contains(t, ev.Meta["text_full"], "the price is 50 EUR per chair")
			if len(ev.From.Weak) != 1 || ev.From.Weak[0].Value != "8 912 345 67 89" {
				t.Errorf("Weak = %+v", ev.From.Weak)
			}
			if ev.Automated {
				t.Error("a person's reply marked automated")
			}
		}},
		{"Russian reply without threading headers", "reply_ru.eml", func(t *testing.T, ev channels.InboundEvent) {
			want(t, "Text", ev.Text, "Счёт оплатили, ждём поставку.")
			want(t, "ThreadKey", ev.ThreadKey, "счёт на бумагу")
			if len(ev.InReplyTo) != 0 || ev.DialogID != 0 {
				t.Errorf("InReplyTo = %v DialogID = %d, want none", ev.InReplyTo, ev.DialogID)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.check(t, parseEML(t, tt.file, own))
		})
	}
}

func TestParseAttachmentLimit(t *testing.T) {
	t.Parallel()
	ev := parseEML(t, "nested.eml", ParseOptions{MaxAttachmentBytes: 100})
	var pdf channels.Attachment
	for _, a := range ev.Attachments {
		if a.ContentType == "application/pdf" {
			pdf = a
		}
	}
	if pdf.Content != nil || pdf.Size < 300 {
		t.Fatalf("oversize pdf: content %d bytes, size %d; want no content and the real size", len(pdf.Content), pdf.Size)
	}
	contains(t, ev.Meta["attachments_skipped"], "Прайс-лист 2024.pdf")
}

func TestParseWithoutMessageIDIsStable(t *testing.T) {
	t.Parallel()
	raw := []byte("From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nDate: Mon, 5 Feb 2024 10:00:00 +0000\r\n\r\nbody\r\n")
	withTrace := append([]byte("Received: from mx by imap; Mon, 5 Feb 2024 10:00:01 +0000\r\n"), raw...)
	a, err1 := Parse(raw, ParseOptions{})
	b, err2 := Parse(withTrace, ParseOptions{})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a.ExternalID != b.ExternalID || !strings.HasPrefix(a.ExternalID, "sha256:") {
		t.Fatalf("ExternalIDs %q and %q: want the same content hash", a.ExternalID, b.ExternalID)
	}
	other, _ := Parse([]byte(strings.Replace(string(raw), "body", "other body", 1)), ParseOptions{})
	if other.ExternalID == a.ExternalID {
		t.Fatal("different bodies hash the same")
	}
}

func TestParseDegradesOnBrokenParts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, text string
	}{
		{"unknown charset", "From: a@example.com\r\nContent-Type: text/plain; charset=x-unknown-42\r\n\r\nhello\r\n", "hello"},
		{"bad base64 keeps what decodes", "From: a@example.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n!!!\r\n", "hello"},
		{"unlabelled 8-bit windows-1251", "From: a@example.com\r\nSubject: \xd2\xe5\xf1\xf2\r\n\r\n\xcf\xf0\xe8\xe2\xe5\xf2\r\n", "Привет"},
		{"unterminated multipart", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\npart one\r\n", "part one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := Parse([]byte(tt.raw), ParseOptions{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			contains(t, ev.Text, tt.text)
		})
	}
	ev, _ := Parse([]byte("From: a@example.com\r\nSubject: \xd2\xe5\xf1\xf2\r\n\r\nx"), ParseOptions{})
	want(t, "8-bit subject", ev.Subject, "Тест")
}

func TestFallbackEvent(t *testing.T) {
	t.Parallel()
	raw := []byte("Subject: broken\r\nFrom: Bob <bob@example.com>\r\nMessage-ID: <b-1@example.com>\r\n" + strings.Repeat("X", 2<<20))
	ev, err := parseOrFallback(raw, ParseOptions{})
	if err == nil {
		t.Fatal("a 2 MiB header line parsed; want an error and the fallback event")
	}
	want(t, "ExternalID", ev.ExternalID, "b-1@example.com")
	want(t, "Subject", ev.Subject, "broken")
	want(t, "SenderID", ev.SenderID, "bob@example.com")
	if ev.Meta["parse_error"] == "" || len(ev.Attachments) != 1 || len(ev.Attachments[0].Content) != len(raw) {
		t.Fatalf("fallback lacks the error note or the original: %+v", ev.Meta)
	}
}

func want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func contains(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%q does not contain %q", s, sub)
	}
}
