package identity

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/switchboard-hub/switchboard/channels"
)

// MaxEmailLength is the longest normalized address accepted (RFC 5321's
// practical limit on a forward path).
const MaxEmailLength = 254

// maxEmailInput caps raw input, display name included, before parsing.
const maxEmailInput = 1024

// Email returns raw as a canonical address: trimmed, display name and angle
// brackets removed ("Иван <Ivan@X.ru>" → "ivan@x.ru"), a "mailto:" prefix
// dropped, lower-cased, one trailing dot of the domain removed. An IDN domain
// stays in Unicode, NFKC-normalized and lower-cased; it is not converted to
// punycode, so a client typing either form gets two identities (rare, and
// the name and domain signals still raise a candidate).
//
// The local part is lower-cased too: RFC 5321 allows case-sensitive local
// parts, but no mail provider a client uses makes them so, and the
// duplicates that case would create are real.
//
// With Options.FoldEmail, provider-specific aliases are folded as well:
//   - gmail.com, googlemail.com: dots in the local part are dropped, a
//     "+tag" is dropped, the domain becomes gmail.com (Google documents that
//     all of these reach one mailbox);
//   - yandex.ru, ya.ru, yandex.com, yandex.by, yandex.kz, yandex.ua: the
//     domain becomes yandex.ru, dots in the login become hyphens and a "+tag"
//     is dropped (Yandex treats "." and "-" in a login as the same and
//     supports plus-addressing);
//   - any other domain: a "+tag" is dropped.
//
// Only addresses whose local part needs no quoting are accepted, so the
// result is a bare addr-spec that parses back to itself.
func (n *Normalizer) Email(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Email, "empty")
	}
	if len(s) > maxEmailInput {
		return "", invalid(channels.Email, "too long")
	}
	if !utf8.ValidString(s) {
		return "", invalid(channels.Email, "not valid utf-8")
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = strings.TrimSpace(s[7:])
	}
	// A fully qualified domain's trailing dot is legal in DNS but not in
	// net/mail's grammar.
	s = strings.TrimSuffix(s, ".")
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return "", invalid(channels.Email, "not an email address")
	}
	at := strings.LastIndexByte(addr.Address, '@')
	if at < 0 {
		return "", invalid(channels.Email, "missing @")
	}
	local := strings.ToLower(addr.Address[:at])
	domain := canonicalDomain(addr.Address[at+1:])
	if reason := checkLocal(local); reason != "" {
		return "", invalid(channels.Email, reason)
	}
	if reason := checkDomain(domain); reason != "" {
		return "", invalid(channels.Email, reason)
	}
	if n != nil && n.foldEmail {
		// Folding can leave a local part that no longer parses ("a.+b" →
		// "a."); such an address is kept unfolded so the output always
		// normalizes to itself.
		if fl, fd := foldEmail(local, domain); checkLocal(fl) == "" {
			local, domain = fl, fd
		}
	}
	out := local + "@" + domain
	if len(out) > MaxEmailLength {
		return "", invalid(channels.Email, "too long")
	}
	return out, nil
}

// EmailDomain returns the lower-cased domain of an email address, without a
// trailing dot, or "" when email has no "@". It does not validate email.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return canonicalDomain(strings.TrimRight(strings.TrimSpace(email[at+1:]), ">"))
}

// canonicalDomain trims, applies NFKC (as IDNA's mapping does, so
// full-width "ｘ．ru" becomes "x.ru"), lower-cases and drops one trailing dot.
func canonicalDomain(d string) string {
	d = strings.ToLower(norm.NFKC.String(strings.TrimSpace(d)))
	return strings.TrimSuffix(d, ".")
}

// checkLocal accepts a dot-atom local part: no quoting, no empty dot
// segments. It returns the reason for a rejection, or "".
func checkLocal(local string) string {
	if local == "" {
		return "empty local part"
	}
	if len(local) > 64 {
		return "local part too long"
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "bad dots in local part"
	}
	for _, r := range local {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "bad character in local part"
		}
		if strings.ContainsRune(`"(),:;<>@[\]`, r) {
			return "bad character in local part"
		}
	}
	return ""
}

// checkDomain accepts a dotted host name of letters (any script), digits and
// hyphens, with at least two labels. Address literals ("[1.2.3.4]") and
// single-label hosts are refused: no client writes from them.
func checkDomain(domain string) string {
	if domain == "" {
		return "empty domain"
	}
	if len(domain) > 253 {
		return "domain too long"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "domain without a dot"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "bad domain label"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "bad domain label"
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
				return "bad character in domain"
			}
		}
	}
	return ""
}

// yandexDomains are the domains Yandex delivers to the same mailbox as
// yandex.ru.
var yandexDomains = map[string]bool{
	"yandex.ru": true, "ya.ru": true, "yandex.com": true,
	"yandex.by": true, "yandex.kz": true, "yandex.ua": true,
}

// foldEmail applies the provider-specific folding documented on Email.
func foldEmail(local, domain string) (string, string) {
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	switch {
	case domain == "gmail.com" || domain == "googlemail.com":
		domain = "gmail.com"
		if l := strings.ReplaceAll(local, ".", ""); l != "" {
			local = l
		}
	case yandexDomains[domain]:
		domain = "yandex.ru"
		local = strings.ReplaceAll(local, ".", "-")
	}
	return local, domain
}
