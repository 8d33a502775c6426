package identity

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-hub/switchboard/channels"
)

// Limits on opaque ids. They are generous against what the services issue
// and exist so a hostile sender cannot make an identity row arbitrarily big.
const (
	MaxViberID   = 64
	MaxWebchatID = 128
	MaxSenderID  = 256
)

// TelegramID returns a Telegram identity in one of two value spaces:
//   - a numeric id ("123456789", or negative like "-1001234567890" for
//     groups and channels), formatted as a base-10 int64 without leading
//     zeros or a plus sign;
//   - a username, given as "@Name", "t.me/Name" or "https://t.me/Name",
//     returned as "@name". Usernames are case-insensitive in Telegram; they
//     are 4–32 characters of [a-z0-9_] starting with a letter (4 admits the
//     short names sold on Fragment).
//
// The two spaces never meet: the router cannot tell which id a username
// belongs to, so "@ivan" and "123" are different identities. A bare word
// without "@" is refused rather than guessed to be a username.
func TelegramID(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Telegram, "empty")
	}
	if len(s) > 128 {
		return "", invalid(channels.Telegram, "too long")
	}
	if name, ok := telegramUsername(s); ok {
		return "@" + name, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id == 0 || s[0] == '+' {
		return "", invalid(channels.Telegram, "not a user id or @username")
	}
	return strconv.FormatInt(id, 10), nil
}

// telegramUsername extracts and validates the username of "@name" or a
// t.me link, lower-cased.
func telegramUsername(s string) (string, bool) {
	lower := strings.ToLower(s)
	for _, p := range []string{"https://", "http://"} {
		lower = strings.TrimPrefix(lower, p)
	}
	switch {
	case strings.HasPrefix(lower, "@"):
		lower = lower[1:]
	case strings.HasPrefix(lower, "t.me/"):
		lower = strings.TrimSuffix(lower[len("t.me/"):], "/")
	case strings.HasPrefix(lower, "telegram.me/"):
		lower = strings.TrimSuffix(lower[len("telegram.me/"):], "/")
	default:
		return "", false
	}
	if len(lower) < 4 || len(lower) > 32 || lower[0] < 'a' || lower[0] > 'z' {
		return "", false
	}
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "", false
		}
	}
	return lower, true
}

// ViberID returns a Viber user id: trimmed, at most MaxViberID bytes of the
// base64 alphabet ([A-Za-z0-9+/=], plus "-" and "_" for the URL-safe form).
// It is case-sensitive and kept as is.
func ViberID(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Viber, "empty")
	}
	if len(s) > MaxViberID {
		return "", invalid(channels.Viber, "too long")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_') {
			return "", invalid(channels.Viber, "bad character")
		}
	}
	return s, nil
}

// VKID returns a VK user id as a positive base-10 integer. "id123",
// "vk.com/id123" and "https://vk.com/id123" give "123". Negative ids are
// communities, not people, and are refused; so are screen names
// ("vk.com/durov"), which need an API call to resolve.
func VKID(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return "", invalid(channels.VK, "empty")
	}
	if len(s) > 64 {
		return "", invalid(channels.VK, "too long")
	}
	for _, p := range []string{"https://", "http://", "m.", "www."} {
		s = strings.TrimPrefix(s, p)
	}
	for _, p := range []string{"vk.com/", "vk.ru/"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(strings.TrimSuffix(s, "/"), "id")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return "", invalid(channels.VK, "not a user id")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return "", invalid(channels.VK, "not a user id")
	}
	return strconv.FormatInt(id, 10), nil
}

// WebchatID returns a web-chat visitor id: trimmed, 1–MaxWebchatID bytes of
// [A-Za-z0-9_-]. The widget generates these, so anything else is not ours.
func WebchatID(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Webchat, "empty")
	}
	if len(s) > MaxWebchatID {
		return "", invalid(channels.Webchat, "too long")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isAlnum(c) || c == '_' || c == '-') {
			return "", invalid(channels.Webchat, "bad character")
		}
	}
	return s, nil
}

// SenderID returns a channel's opaque sender id ("<channel>:<id>") trimmed
// and otherwise unchanged. It must be valid UTF-8 without control
// characters (PostgreSQL text refuses NUL) and at most MaxSenderID bytes.
func SenderID(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid(channels.Anonymous, "empty")
	}
	if len(s) > MaxSenderID {
		return "", invalid(channels.Anonymous, "too long")
	}
	if !utf8.ValidString(s) {
		return "", invalid(channels.Anonymous, "not valid utf-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", invalid(channels.Anonymous, "control character")
		}
	}
	return s, nil
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
