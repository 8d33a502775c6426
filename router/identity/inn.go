package identity

import (
	"strings"
	"unicode"

	"github.com/switchboard-hub/switchboard/channels"
)

// INN weights from the FNS check-digit algorithm: a 10-digit INN (legal
// entity) has one check digit, a 12-digit INN (individual or sole trader)
// two; the second 12-digit check covers the first check digit too.
var (
	innWeights10  = [...]int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12a = [...]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12b = [...]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// maxINNInput caps raw INN input before any work.
const maxINNInput = 64

// INN returns raw as a Russian taxpayer number: 10 digits for a legal entity
// or 12 for an individual, with check digits verified by the FNS algorithm.
// Spaces (including no-break spaces) and full-width digits are accepted and
// removed; any other character is refused, so "7707-083893" is an error
// rather than a guess. An INN starting with "00" is refused: no tax office
// has code 00, and "0000000000" would otherwise pass the checksum.
func INN(raw string) (string, error) {
	if len(raw) > maxINNInput {
		return "", invalid(channels.INN, "too long")
	}
	var b strings.Builder
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case unicode.IsSpace(r):
		default:
			return "", invalid(channels.INN, "not digits")
		}
	}
	s := b.String()
	switch len(s) {
	case 0:
		return "", invalid(channels.INN, "empty")
	case 10, 12:
	default:
		return "", invalid(channels.INN, "must have 10 or 12 digits")
	}
	if strings.HasPrefix(s, "00") {
		return "", invalid(channels.INN, "no tax office code 00")
	}
	if !innChecksumOK(s) {
		return "", invalid(channels.INN, "wrong check digit")
	}
	return s, nil
}

// innChecksumOK verifies the check digits of a 10- or 12-digit string.
func innChecksumOK(s string) bool {
	switch len(s) {
	case 10:
		return innCheck(s, innWeights10[:]) == s[9]-'0'
	case 12:
		return innCheck(s, innWeights12a[:]) == s[10]-'0' &&
			innCheck(s, innWeights12b[:]) == s[11]-'0'
	}
	return false
}

// innCheck is the FNS check digit: the weighted sum of the leading digits
// modulo 11, then modulo 10 (so a remainder of 10 gives 0).
func innCheck(s string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return byte(sum % 11 % 10)
}
