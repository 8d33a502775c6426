package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/switchboard-hub/switchboard/channels"
)

// idKeyRe is what an idempotency key may contain to be used verbatim as the
// left part of a Message-ID.
var idKeyRe = regexp.MustCompile(`^[A-Za-z0-9._\-=+]{1,100}$`)

// MessageIDFor derives a reply's Message-ID (without <>) from its outbox
// idempotency key, so a send retried after a crash carries the same
// Message-ID and the client's server or mail program drops the repeat.
func MessageIDFor(key, domain string) string {
	if !idKeyRe.MatchString(key) {
		sum := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(sum[:16])
	}
	return key + "@" + domain
}

// composed is a reply ready for SMTP and for the Sent folder.
type composed struct {
	raw       []byte
	messageID string
	from, to  string
}

// compose builds the RFC 5322 letter for msg: From with the manager's name,
// plus-addressed Reply-To, threading headers, multipart/alternative text
// and HTML, and multipart/mixed when there are attachments.
func compose(cfg MailboxConfig, msg channels.OutboundMessage, now time.Time) (composed, error) {
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		if _, _, ok := splitAddress(msg.To); !ok {
			return composed{}, channels.Permanent(fmt.Errorf("email: recipient %q is not an address", msg.To))
		}
		to = &mail.Address{Address: msg.To}
	}
	if msg.ToName != "" {
		to.Name = msg.ToName
	}
	key := msg.IdempotencyKey
	if key == "" {
		// The outbox always sets one; the row id is the next most stable.
		key = fmt.Sprintf("outbox-%d", msg.OutboxID)
	}
	msgID := MessageIDFor(key, cfg.SMTP.FromDomain)

	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{{Name: msg.FromName, Address: cfg.SMTP.FromAddress}})
	h.SetAddressList("To", []*mail.Address{to})
	if cfg.replyToPlus() && msg.DialogID > 0 {
		h.SetAddressList("Reply-To", []*mail.Address{{Name: msg.FromName, Address: plusAddress(cfg.SMTP.FromAddress, msg.DialogID)}})
	}
	h.SetSubject(msg.Subject)
	h.SetMessageID(msgID)
	if chain := replyChain(msg.InReplyTo, nil); len(chain) > 0 {
		h.SetMsgIDList("In-Reply-To", chain[:1])
		refs := make([]string, len(chain))
		for i, id := range chain {
			refs[len(chain)-1-i] = id
		}
		h.SetMsgIDList("References", refs)
	}

	text := msg.Text
	if text == "" && msg.HTML != "" {
		text = htmlToText(msg.HTML)
	}
	var buf bytes.Buffer
	if len(msg.Attachments) == 0 {
		if msg.HTML == "" {
			h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
			w, err := mail.CreateSingleInlineWriter(&buf, h)
			if err != nil {
				return composed{}, fmt.Errorf("email: compose: %w", err)
			}
			if err := writeAll(w, text); err != nil {
				return composed{}, err
			}
		} else {
			iw, err := mail.CreateInlineWriter(&buf, h)
			if err != nil {
				return composed{}, fmt.Errorf("email: compose: %w", err)
			}
			if err := writeAlternatives(iw, text, msg.HTML); err != nil {
				return composed{}, err
			}
		}
	} else {
		mw, err := mail.CreateWriter(&buf, h)
		if err != nil {
			return composed{}, fmt.Errorf("email: compose: %w", err)
		}
		iw, err := mw.CreateInline()
		if err != nil {
			return composed{}, fmt.Errorf("email: compose: %w", err)
		}
		if err := writeAlternatives(iw, text, msg.HTML); err != nil {
			return composed{}, err
		}
		for _, a := range msg.Attachments {
			var ah mail.AttachmentHeader
			ct := a.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			ah.SetContentType(ct, nil)
			ah.SetFilename(a.Filename)
			if a.ContentID != "" {
				ah.Set("Content-Id", "<"+a.ContentID+">")
			}
			w, err := mw.CreateAttachment(ah)
			if err != nil {
				return composed{}, fmt.Errorf("email: compose attachment: %w", err)
			}
			if _, err := w.Write(a.Content); err != nil {
				return composed{}, fmt.Errorf("email: compose attachment: %w", err)
			}
			if err := w.Close(); err != nil {
				return composed{}, fmt.Errorf("email: compose attachment: %w", err)
			}
		}
		if err := mw.Close(); err != nil {
			return composed{}, fmt.Errorf("email: compose: %w", err)
		}
	}
	return composed{raw: buf.Bytes(), messageID: msgID, from: cfg.SMTP.FromAddress, to: to.Address}, nil
}

func writeAlternatives(iw *mail.InlineWriter, text, html string) error {
	parts := []struct{ ct, body string }{{"text/plain", text}}
	if html != "" {
		parts = append(parts, struct{ ct, body string }{"text/html", html})
	}
	for _, p := range parts {
		var ph mail.InlineHeader
		ph.SetContentType(p.ct, map[string]string{"charset": "utf-8"})
		w, err := iw.CreatePart(ph)
		if err != nil {
			return fmt.Errorf("email: compose %s: %w", p.ct, err)
		}
		if err := writeAll(w, p.body); err != nil {
			return err
		}
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("email: compose: %w", err)
	}
	return nil
}

func writeAll(w io.WriteCloser, s string) error {
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("email: compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("email: compose: %w", err)
	}
	return nil
}
