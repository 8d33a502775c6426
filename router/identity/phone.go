package identity

import (
	"errors"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-hub/switchboard/channels"
)

// MaxPhoneInput is the longest raw phone input accepted, in bytes. A real
// number with formatting and an extension fits easily; the cap keeps the
// parser away from pasted paragraphs.
const MaxPhoneInput = 64

// ExtSeparator joins an E.164 number and its extension in Phone's output, as
// in RFC 3966: "+74951234567;ext=123".
const ExtSeparator = ";ext="

// Phone returns raw as an E.164 number ("+79123456789"). A number written
// without a country code is read in the Normalizer's default region, so for
// RU "8 912 345-67-89", "+7 (912) 345 67 89", "79123456789" and "89123456789"
// all give "+79123456789". A "tel:" prefix and full-width digits are accepted.
//
// An extension ("доб. 123", "ext 123", "x123", ";ext=123") is kept as
// "+74951234567;ext=123": an office line with an extension reaches a
// different person than the switchboard number, so they are different
// identities. The output parses back to itself.
//
// The number must pass phonenumbers.IsValidNumber, not merely
// IsPossibleNumber: a possible-but-unassigned number is far more often a typo
// than a client, and a wrong phone identity would merge two clients.
// Letters are refused outside the extension marker: phonenumbers would read
// "8 800 FLOWERS" as a vanity number, which no client types into a form.
func (n *Normalizer) Phone(raw string) (string, error) {
	if n.phones == nil {
		return n.phone(raw)
	}
	if r, ok := n.phones.Get(raw); ok {
		return r.out, r.err
	}
	out, err := n.phone(raw)
	n.phones.Put(raw, phoneResult{out, err})
	return out, err
}

// phone is Phone without the cache.
func (n *Normalizer) phone(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Phone, "empty")
	}
	if len(s) > MaxPhoneInput {
		return "", invalid(channels.Phone, "too long")
	}
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = strings.TrimSpace(s[4:])
	}
	digits := countDigits(s)
	if digits < 3 {
		return "", invalid(channels.Phone, "not a number")
	}
	num, err := phonenumbers.Parse(s, n.Region())
	if err != nil {
		return "", invalid(channels.Phone, parseReason(err))
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalid(channels.Phone, "not a valid number")
	}
	// Every digit of the number and its extension must have been typed as a
	// digit; fewer typed digits means phonenumbers turned letters into digits.
	nsn := phonenumbers.GetNationalSignificantNumber(num)
	ext := num.GetExtension()
	if digits < len(nsn)+len(ext) {
		return "", invalid(channels.Phone, "letters in number")
	}
	out := phonenumbers.Format(num, phonenumbers.E164)
	if ext != "" {
		if !allASCIIDigits(ext) {
			return "", invalid(channels.Phone, "bad extension")
		}
		out += ExtSeparator + ext
	}
	return out, nil
}

// parseReason words a phonenumbers parse error for a user.
func parseReason(err error) string {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "unknown country code"
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "too short"
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "too long"
	}
	return "not a number"
}

// countDigits counts decimal digits of any script, as phonenumbers reads
// them (full-width, Arabic-Indic, ...).
func countDigits(s string) int {
	c := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			c++
		}
	}
	return c
}

// allASCIIDigits reports whether s is non-empty and only 0-9.
func allASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
