package email

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	// The charset package registers windows-1251, KOI8-R and the other
	// charsets Russian mail still uses with go-message.
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"

	"github.com/switchboard-hub/switchboard/channels"
)

// Limits on what one letter may produce, whatever its raw size. They keep a
// hostile letter (a million parts, a 40-deep nesting, a 500 MB text part)
// from costing more than a normal one.
const (
	maxDepth     = 16
	maxParts     = 256
	maxTextBytes = 2 << 20
	maxMetaText  = 256 << 10
	maxHeaderLen = 64 << 10
)

// ParseOptions tune Parse for one mailbox or listener.
type ParseOptions struct {
	// MaxAttachmentBytes caps one attachment's Content; bigger attachments
	// are returned with Size and no Content, and listed in
	// Meta["attachments_skipped"]. Zero means DefaultMaxAttachmentBytes.
	MaxAttachmentBytes int64
	// CIDURLPrefix starts the URLs that replace "cid:" image sources in
	// HTML (see CIDURL); default DefaultCIDURLPrefix.
	CIDURLPrefix string
	// Channel is the channel the letter arrives on ("email:<name>"). With
	// the letter's external id it names the stored message in the URLs of
	// its inline images; Mailbox and Listener set it.
	Channel string
	// AllowRemoteImages keeps remote image sources in the sanitized HTML.
	AllowRemoteImages bool
	// OwnAddresses are the mailbox's own addresses; only plus-addressed
	// recipients built on one of them yield a DialogID. Empty accepts any.
	OwnAddresses []string
	// ReceivedAt is used when the letter's Date is missing or unreadable
	// (the IMAP internal date, the SMTP arrival time).
	ReceivedAt time.Time
}

// wordDecoder decodes RFC 2047 encoded words in any charset go-message's
// charset package knows, not just UTF-8 and Latin-1 as the standard
// library's zero WordDecoder does.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// WordDecoder returns the charset-aware RFC 2047 decoder; give it to
// imapclient.Options.WordDecoder so envelopes in windows-1251 or KOI8-R
// decode too.
func WordDecoder() *mime.WordDecoder { return wordDecoder }

// Parse turns one raw RFC 822 letter into an inbound event: everything but
// Channel, Team and Owner, which belong to the mailbox. It degrades rather
// than fails: a broken part, an unknown charset or bad base64 keep what
// could be read and add a note to Meta["parse_warnings"]. It returns an
// error only when not even the header can be read; the caller then ingests
// FallbackEvent so the letter is recorded, never silently dropped.
func Parse(raw []byte, opts ParseOptions) (ev channels.InboundEvent, err error) {
	// go-message and x/net/html are mature, but this runs on hostile input
	// inside a long-running poller: a panic in a dependency becomes a parse
	// error (and a fallback event), not a crashed hub. The fuzz target keeps
	// our own code honest.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("email: parse: internal error: %v", r)
		}
	}()
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	e, rerr := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: 1 << 20})
	if e == nil {
		return channels.InboundEvent{}, fmt.Errorf("email: parse header: %w", rerr)
	}
	w := &walker{opts: opts, meta: map[string]string{}}
	if rerr != nil {
		w.warn("top: %v", rerr)
	}
	h := mail.Header{Header: e.Header}
	mediaType, params, _ := e.Header.ContentType()

	from := firstAddress(h, "From")
	ev.From.Name = from.Name
	ev.SenderID = strings.ToLower(from.Address)
	if from.Address != "" {
		ev.From.Identities = []channels.Identity{{Kind: channels.Email, Value: from.Address}}
	}
	ev.Subject = headerText(h, "Subject")
	ev.At = letterDate(h, opts.ReceivedAt)

	msgID := normalizeMsgID(h.Get("Message-Id"))
	inReplyTo := msgIDs(h, "In-Reply-To")
	references := msgIDs(h, "References")

	// The external id is settled before the HTML is sanitized because the
	// inline image URLs name the message by it.
	ev.ExternalID = msgID
	if ev.ExternalID == "" {
		ev.ExternalID = contentID(h.Get("From"), h.Get("To"), h.Get("Date"), h.Get("Subject"), bodyOf(raw))
	} else {
		w.meta["message_id"] = msgID
	}

	w.report = mediaType == "multipart/report"
	w.walk(e, 0)

	text := strings.Join(w.text, "\n\n")
	if w.html != "" {
		ev.HTML = sanitizeHTML(w.html, cidBase(opts.CIDURLPrefix, opts.Channel, ev.ExternalID), opts.AllowRemoteImages)
		if strings.TrimSpace(text) == "" {
			text = htmlToText(w.html)
		}
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	newText, folded := foldQuotes(text)
	ev.Text = newText
	if folded {
		// The console shows the new text; the full text (with the quoted
		// history) is kept so nothing the client sent is lost when the
		// letter had no HTML part to fall back on.
		w.meta["text_full"] = truncate(text, maxMetaText)
	}
	for _, p := range signaturePhones(newText) {
		ev.From.Weak = append(ev.From.Weak, channels.Identity{Kind: channels.Phone, Value: p})
	}
	ev.Attachments = w.attachments

	// Threading.
	ev.InReplyTo = replyChain(inReplyTo, references)
	if w.originalID != "" {
		// A bounce threads into the dialog of the letter that bounced.
		ev.InReplyTo = replyChain(append([]string{w.originalID}, ev.InReplyTo...), nil)
	}
	ev.ThreadKey = ThreadKey(ev.Subject)
	ev.DialogID = dialogFromRecipients(h, opts.OwnAddresses)

	if reason := automatedReason(h, mediaType, params["report-type"], from.Address); reason != "" {
		ev.Automated = true
		w.meta["automated"] = reason
	}

	for _, k := range []string{"To", "Cc", "Reply-To"} {
		if v := addressListText(h, k); v != "" {
			w.meta[strings.ToLower(k)] = v
		}
	}
	if len(w.warnings) > 0 {
		w.meta["parse_warnings"] = truncate(strings.Join(w.warnings, "; "), 4096)
	}
	if len(w.skipped) > 0 {
		w.meta["attachments_skipped"] = truncate(strings.Join(w.skipped, "; "), 4096)
	}
	// Error texts quote raw bytes; the store and the console want UTF-8.
	for k, v := range w.meta {
		w.meta[k] = strings.ToValidUTF8(v, "\uFFFD")
	}
	ev.Meta = w.meta
	return ev, nil
}

// walker collects the parts of one letter.
type walker struct {
	opts        ParseOptions
	text        []string
	textBytes   int
	html        string
	attachments []channels.Attachment
	parts       int
	warnings    []string
	skipped     []string
	originalID  string
	// report is set for a multipart/report (a bounce or receipt): only
	// then does an embedded letter's Message-ID thread the event; a
	// forwarded letter's must not.
	report bool
	meta   map[string]string
}

func (w *walker) warn(format string, args ...any) {
	if len(w.warnings) < 20 {
		w.warnings = append(w.warnings, fmt.Sprintf(format, args...))
	}
}

// walk visits one entity and, for multiparts, its children depth-first.
func (w *walker) walk(e *message.Entity, depth int) {
	w.parts++
	if w.parts > maxParts {
		if w.parts == maxParts+1 {
			w.warn("more than %d parts; the rest skipped", maxParts)
		}
		return
	}
	mediaType, _, err := e.Header.ContentType()
	if err != nil || mediaType == "" {
		mediaType = "text/plain"
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth >= maxDepth {
			w.warn("nesting deeper than %d; inner parts skipped", maxDepth)
			return
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if p == nil {
				w.warn("%s: %v", mediaType, err)
				return
			}
			if err != nil {
				w.warn("part: %v", err)
			}
			w.walk(p, depth+1)
		}
	}

	disp, dparams, _ := e.Header.ContentDisposition()
	ah := mail.AttachmentHeader{Header: e.Header}
	filename, _ := ah.Filename()
	filename = fixText(filename)
	isAttachment := disp == "attachment" || filename != ""

	switch {
	case mediaType == "text/plain" && !isAttachment:
		b := w.readText(e, "text/plain")
		if strings.TrimSpace(b) != "" {
			w.text = append(w.text, b)
		}
	case mediaType == "text/html" && !isAttachment && w.html == "":
		w.html = w.readText(e, "text/html")
	case mediaType == "message/delivery-status" || mediaType == "message/global-delivery-status":
		w.deliveryStatus(e)
	case mediaType == "text/rfc822-headers" && w.report:
		w.originalHeaders(e.Body)
	default:
		if mediaType == "message/rfc822" {
			// Read the embedded header for a bounce's original Message-ID,
			// then keep the whole letter as an .eml attachment.
			data, n := readLimited(e.Body, w.opts.MaxAttachmentBytes)
			if w.report {
				w.originalHeaders(bytes.NewReader(data))
			}
			if filename == "" {
				filename = "message.eml"
			}
			w.addAttachment(e, mediaType, filename, data, n)
			return
		}
		if filename == "" {
			filename = defaultFilename(mediaType, dparams)
		}
		data, n := readLimited(e.Body, w.opts.MaxAttachmentBytes)
		w.addAttachment(e, mediaType, filename, data, n)
	}
}

func (w *walker) addAttachment(e *message.Entity, mediaType, filename string, data []byte, size int64) {
	a := channels.Attachment{
		Filename:    truncate(filename, 255),
		ContentType: mediaType,
		Size:        size,
		ContentID:   normalizeMsgID(e.Header.Get("Content-Id")),
	}
	if size > w.opts.MaxAttachmentBytes {
		w.skipped = append(w.skipped, fmt.Sprintf("%s (%d bytes, over the %d byte limit)", a.Filename, size, w.opts.MaxAttachmentBytes))
	} else {
		a.Content = data
	}
	w.attachments = append(w.attachments, a)
}

// readText reads a text part, already decoded to UTF-8 by go-message when
// its charset is known; bytes still not UTF-8 (a missing or unknown
// charset) are taken as windows-1251, by far the most common unlabelled
// charset in Russian mail.
func (w *walker) readText(e *message.Entity, kind string) string {
	budget := int64(maxTextBytes - w.textBytes)
	if budget <= 0 {
		w.warn("%s: text over %d bytes dropped", kind, maxTextBytes)
		return ""
	}
	var buf bytes.Buffer
	n, _ := io.Copy(&buf, io.LimitReader(e.Body, budget+1))
	data := buf.Bytes()
	if n > budget {
		w.warn("%s: truncated at %d bytes", kind, budget)
		// Cut at a rune boundary: a torn last rune would make valid UTF-8
		// look like windows-1251 to toUTF8.
		data = trimPartialRune(data[:budget])
		_, _ = io.Copy(io.Discard, e.Body)
	}
	w.textBytes += len(data)
	return toUTF8(data)
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if c := b[len(b)-i]; c&0xC0 != 0x80 {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// deliveryStatus copies the useful fields of a DSN into Meta.
func (w *walker) deliveryStatus(e *message.Entity) {
	data, _ := readLimited(e.Body, 64<<10)
	for _, line := range strings.Split(toUTF8(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "final-recipient", "original-recipient":
			if _, ok := w.meta["dsn_recipient"]; !ok {
				_, addr, _ := strings.Cut(v, ";")
				w.meta["dsn_recipient"] = strings.TrimSpace(addr)
			}
		case "action":
			w.meta["dsn_action"] = truncate(v, 64)
		case "status":
			w.meta["dsn_status"] = truncate(v, 64)
		case "diagnostic-code":
			w.meta["dsn_diagnostic"] = truncate(v, 1024)
		}
	}
}

// originalHeaders records the Message-ID of the letter a bounce returns.
func (w *walker) originalHeaders(r io.Reader) {
	if w.originalID != "" {
		return
	}
	e, err := message.ReadWithOptions(io.LimitReader(r, 256<<10), &message.ReadOptions{MaxHeaderBytes: 256 << 10})
	if e == nil {
		if err != nil {
			w.warn("embedded header: %v", err)
		}
		return
	}
	w.originalID = normalizeMsgID(e.Header.Get("Message-Id"))
}

// readLimited reads up to limit bytes and counts the rest without keeping
// it. It returns the data (nil when over the limit) and the full size. A
// decoding error midway (bad base64) keeps what was read.
func readLimited(r io.Reader, limit int64) ([]byte, int64) {
	var buf bytes.Buffer
	n, _ := io.Copy(&buf, io.LimitReader(r, limit+1))
	if n <= limit {
		return buf.Bytes(), n
	}
	rest, _ := io.Copy(io.Discard, r)
	return nil, n + rest
}

func defaultFilename(mediaType string, dparams map[string]string) string {
	if n := dparams["name"]; n != "" {
		return fixText(n)
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		ext = exts[0]
	}
	return "attachment" + ext
}

// toUTF8 returns data as valid UTF-8, reading invalid bytes as windows-1251.
func toUTF8(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	out, err := charmap.Windows1251.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(out)
}

// fixText decodes leftover encoded words and raw 8-bit header text.
func fixText(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			s = d
		}
	}
	return toUTF8([]byte(s))
}

// headerText decodes an unstructured header such as Subject, falling back to
// the raw value made valid UTF-8.
func headerText(h mail.Header, key string) string {
	v, err := h.Text(key)
	if err != nil {
		v = h.Get(key)
	}
	v = strings.Join(strings.Fields(fixText(v)), " ")
	return truncate(v, 1000)
}

// firstAddress returns the first address of a header, trying the strict
// parser first and a lenient scan for "x@y" second, so a malformed From
// still yields the sender's address.
func firstAddress(h mail.Header, key string) mail.Address {
	if l, err := h.AddressList(key); err == nil && len(l) > 0 {
		return mail.Address{Name: fixText(l[0].Name), Address: strings.TrimSpace(l[0].Address)}
	}
	raw := fixText(h.Get(key))
	if m := looseAddrRe.FindString(raw); m != "" {
		name := strings.Trim(strings.TrimSpace(strings.Split(raw, "<")[0]), `"' `)
		if strings.Contains(name, "@") {
			name = ""
		}
		return mail.Address{Name: truncate(name, 200), Address: m}
	}
	return mail.Address{}
}

func addressListText(h mail.Header, key string) string {
	l, err := h.AddressList(key)
	if err != nil || len(l) == 0 {
		return truncate(fixText(h.Get(key)), 2048)
	}
	parts := make([]string, 0, len(l))
	for _, a := range l {
		parts = append(parts, a.Address)
	}
	return truncate(strings.Join(parts, ", "), 2048)
}

func msgIDs(h mail.Header, key string) []string {
	if l, err := h.MsgIDList(key); err == nil {
		return l
	}
	return looseMsgIDs(h.Get(key))
}

// letterDate returns the Date header, or the fallback when it is missing,
// unreadable, or absurd (a sender's clock far in the future would pin the
// dialog to the top of every list).
func letterDate(h mail.Header, fallback time.Time) time.Time {
	if fallback.IsZero() {
		fallback = time.Now()
	}
	t, err := h.Date()
	if err != nil || t.IsZero() || t.After(fallback.Add(24*time.Hour)) || t.Year() < 1990 {
		return fallback.UTC()
	}
	return t.UTC()
}

// dialogFromRecipients looks for our plus-addressed Reply-To among the
// recipients, including the envelope recipient copied into Delivered-To and
// X-Original-To by the delivering server.
func dialogFromRecipients(h mail.Header, own []string) int64 {
	for _, k := range []string{"Delivered-To", "X-Original-To", "To", "Cc"} {
		for _, v := range h.Values(k) {
			for _, addr := range looseAddrRe.FindAllString(v, 50) {
				if id, ok := DialogFromAddress(addr, own); ok {
					return id
				}
			}
		}
	}
	return 0
}

// bodyOf returns the raw body after the header block.
func bodyOf(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[i+4:]
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[i+2:]
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
