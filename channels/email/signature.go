package email

import (
	"regexp"
	"strings"
)

// phoneRe finds phone-like runs: an optional +country code, an optional
// bracketed area code, and digits with the separators people type.
var phoneRe = regexp.MustCompile(`(?:\+?\s?\d{1,3}[\s.\-]?)?(?:\(\d{2,5}\)[\s.\-]?)?\d[\d\s.\-]{5,16}\d`)

// notPhoneRe marks signature lines whose long numbers are company
// registration or bank details, not phones (ИНН, КПП, ОГРН, БИК, accounts).
var notPhoneRe = regexp.MustCompile(`(?i)(инн|кпп|огрн|окпо|бик|р/с|к/с|сч[её]т|account|iban|swift|inn)`)

// signaturePhones returns the phone numbers written in the signature of a
// letter's new text, raw as written; the router normalizes them. The
// signature is what follows a "-- " line, or else the last lines of the
// text. They are weak identities: a signature can quote someone else's
// number, so they never merge clients on their own.
func signaturePhones(text string) []string {
	lines := strings.Split(text, "\n")
	start := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if t := strings.TrimRight(lines[i], " \r"); t == "--" || t == "-- " || t == "__" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		start = max(0, len(lines)-8)
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range lines[start:] {
		// Signature lines are short; a long one is body text or junk and
		// not worth a regexp scan.
		if len(l) > 200 || notPhoneRe.MatchString(l) || isQuoted(l) {
			continue
		}
		for _, m := range phoneRe.FindAllString(l, 4) {
			digits := 0
			for _, r := range m {
				if r >= '0' && r <= '9' {
					digits++
				}
			}
			if digits < 10 || digits > 15 {
				continue
			}
			m = strings.TrimSpace(m)
			if !seen[m] && len(out) < 5 {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}
