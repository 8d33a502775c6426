package email

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-hub/switchboard/channels"
)

var (
	looseAddrRe    = regexp.MustCompile(`[A-Za-z0-9._%+\-=/'!#$&*?^{|}~]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z0-9\-]{2,63}`)
	rawSubjectRe   = regexp.MustCompile(`(?im)^subject:[ \t]*(.{0,998})$`)
	rawFromRe      = regexp.MustCompile(`(?im)^from:[ \t]*(.{0,998})$`)
	rawMessageIDRe = regexp.MustCompile(`(?im)^message-id:[ \t]*(.{0,998})$`)
)

// FallbackEvent records a letter that Parse could not read at all, so the
// mailbox moves on without losing it: the raw subject and sender found by a
// lenient scan, a note in Text and Meta["parse_error"], and the original
// attached as message.eml (when within the attachment limit) for a person
// to open. Its ExternalID is the Message-ID when one can be found, else a
// hash of the raw bytes, so a replay is still a no-op.
func FallbackEvent(raw []byte, perr error, opts ParseOptions) channels.InboundEvent {
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	head := raw[:min(len(raw), maxHeaderLen)]
	ev := channels.InboundEvent{
		At:   opts.ReceivedAt,
		Meta: map[string]string{"parse_error": truncate(strings.ToValidUTF8(fmt.Sprint(perr), "\uFFFD"), 1024)},
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	if m := rawSubjectRe.FindSubmatch(head); m != nil {
		ev.Subject = truncate(strings.TrimSpace(fixText(string(m[1]))), 1000)
	}
	if m := rawFromRe.FindSubmatch(head); m != nil {
		if addr := looseAddrRe.FindString(fixText(string(m[1]))); addr != "" {
			ev.SenderID = strings.ToLower(addr)
			ev.From.Identities = []channels.Identity{{Kind: channels.Email, Value: addr}}
		}
	}
	if m := rawMessageIDRe.FindSubmatch(head); m != nil {
		if ids := looseMsgIDs(string(m[1])); len(ids) > 0 {
			ev.ExternalID = ids[0]
		}
	}
	if ev.ExternalID == "" {
		ev.ExternalID = contentID("", "", "", "", raw)
	}
	ev.ThreadKey = ThreadKey(ev.Subject)
	ev.Text = fmt.Sprintf("This letter could not be read (%s); the original is attached.", ev.Meta["parse_error"])
	a := channels.Attachment{Filename: "message.eml", ContentType: "message/rfc822", Size: int64(len(raw))}
	if a.Size <= opts.MaxAttachmentBytes {
		a.Content = raw
	} else {
		ev.Meta["attachments_skipped"] = fmt.Sprintf("message.eml (%d bytes, over the %d byte limit)", a.Size, opts.MaxAttachmentBytes)
	}
	ev.Attachments = []channels.Attachment{a}
	return ev
}

// parseOrFallback is the one entry used by the IMAP poller and the SMTP
// listener: parsed event, or the fallback event with the parse error noted.
func parseOrFallback(raw []byte, opts ParseOptions) (channels.InboundEvent, error) {
	ev, err := Parse(raw, opts)
	if err != nil {
		return FallbackEvent(raw, err, opts), err
	}
	return ev, nil
}
