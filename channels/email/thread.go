package email

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// maxIDLen caps an external id taken from a Message-ID; longer ids (seen in
// spam and broken mailers) are replaced by their hash so they still fit the
// store's index and stay stable.
const maxIDLen = 250

// normalizeMsgID strips the angle brackets and surrounding space from a
// Message-ID. Ids are compared case-sensitively, as RFC 5322 says.
func normalizeMsgID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	id = strings.TrimSpace(id)
	if strings.ContainsAny(id, " \t\r\n<>") || id == "" {
		return ""
	}
	if len(id) > maxIDLen {
		sum := sha256.Sum256([]byte(id))
		return "long:" + hex.EncodeToString(sum[:16])
	}
	return id
}

// msgIDRe finds <...> message ids in a header value; used when go-message's
// strict parser gives up on a malformed References header.
var msgIDRe = regexp.MustCompile(`<([^<>\s]+)>`)

// looseMsgIDs extracts message ids from a raw header value in order.
func looseMsgIDs(v string) []string {
	var out []string
	for _, m := range msgIDRe.FindAllStringSubmatch(v, 64) {
		if id := normalizeMsgID(m[1]); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// replyChain orders the ids a reply points at, strongest first: In-Reply-To,
// then References newest first (References lists oldest first). Duplicates
// are dropped and the list is capped, since a long thread's References can
// carry hundreds of ids and only the newest few help threading.
func replyChain(inReplyTo, references []string) []string {
	const maxChain = 20
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id = normalizeMsgID(id); id != "" && !seen[id] && len(out) < maxChain {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range inReplyTo {
		add(id)
	}
	for i := len(references) - 1; i >= 0; i-- {
		add(references[i])
	}
	return out
}

// subjectPrefixRe matches one reply/forward marker at the start of a
// subject, including counted forms ("Re[2]:", "RE(3):") and the Russian,
// German and other prefixes mail programs in our users' region produce.
var subjectPrefixRe = regexp.MustCompile(`(?i)^(?:\s*(re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|ответ|отв|на|пересл|переслано|пер|автоответ|automatic reply|auto-reply|autoreply|out of office)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*)+`)

// bracketTagRe matches a leading mailing-list tag like "[sales]" or a ticket
// marker; only stripped when followed by more text.
var bracketTagRe = regexp.MustCompile(`^\s*\[[^\]]{1,40}\]\s+`)

// ThreadKey returns the normalized subject used to thread a reply whose
// mail program dropped In-Reply-To and References: reply and forward
// prefixes stripped, whitespace collapsed, lower-case. An empty or
// prefix-only subject yields "", which means "no key" to the router.
func ThreadKey(subject string) string {
	s := subject
	// One pass strips a whole run of prefixes; a few passes handle list
	// tags between them ("[sales] Re: [sales] Re:"). Go's regexps are
	// linear, so a hostile subject costs no more than its length.
	for i := 0; i < 5; i++ {
		before := s
		s = subjectPrefixRe.ReplaceAllString(s, "")
		if t := bracketTagRe.ReplaceAllString(s, ""); strings.TrimSpace(t) != "" {
			s = t
		}
		if s == before {
			break
		}
	}
	s = strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

// plusDialogRe matches the subaddress we put in a reply's Reply-To.
var plusDialogRe = regexp.MustCompile(`^(.+)\+d-([0-9]{1,18})$`)

// DialogFromAddress returns the dialog id in a plus-addressed recipient
// "local+d-<id>@domain". When own is non-empty, the base address
// (local@domain without the subaddress) must be one of them, so a client
// cannot steer a letter into someone else's dialog by Cc-ing a made-up
// address on another domain.
func DialogFromAddress(addr string, own []string) (int64, bool) {
	local, domain, ok := splitAddress(strings.TrimSpace(addr))
	if !ok {
		return 0, false
	}
	m := plusDialogRe.FindStringSubmatch(local)
	if m == nil {
		return 0, false
	}
	if len(own) > 0 {
		base := strings.ToLower(m[1] + "@" + domain)
		found := false
		for _, o := range own {
			if strings.EqualFold(strings.TrimSpace(o), base) {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// plusAddress builds the Reply-To address for a dialog.
func plusAddress(from string, dialogID int64) string {
	local, domain, ok := splitAddress(from)
	if !ok || dialogID <= 0 {
		return from
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + "+d-" + strconv.FormatInt(dialogID, 10) + "@" + domain
}

// contentID derives a stable external id for a letter without a usable
// Message-ID: a hash of the headers a resend keeps (From, To, Date,
// Subject) and the body. It ignores trace headers (Received, the IMAP
// server's own additions) so the same letter found again after a
// UIDVALIDITY change, or redelivered by a retrying sender, hashes the same.
func contentID(from, to, date, subject string, body []byte) string {
	h := sha256.New()
	for _, s := range []string{from, to, date, subject} {
		h.Write([]byte(strings.TrimSpace(s)))
		h.Write([]byte{0})
	}
	h.Write(body)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)[:20])
}
