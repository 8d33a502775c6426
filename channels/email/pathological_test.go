package email

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestParsePathologicalInputs feeds shapes a hostile sender might use to
// make the parser slow or crash; each must parse without error in bounded
// time. Durations are logged for a human to eyeball, not asserted.
func TestParsePathologicalInputs(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"deep nesting":      strings.Repeat("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n", 5000),
		"many parts":        "Content-Type: multipart/mixed; boundary=a\r\n\r\n" + strings.Repeat("--a\r\nContent-Type: text/plain\r\n\r\nx\r\n", 50000),
		"interleaved quote": "Subject: x\r\n\r\n" + strings.Repeat("> a\r\nb\r\n", 100000),
		"text over limit":   "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("я", 3<<20),
		"unclosed html":     "Content-Type: text/html\r\n\r\n" + strings.Repeat("<blockquote><div>", 50000),
		"prefix run":        "Subject: " + strings.Repeat("Re: [x] ", 50000) + "\r\n\r\nx",
		"digit signature":   "Subject: x\r\n\r\n-- \r\n" + strings.Repeat("1 2 3 4 5 6 7 8 9 0 ", 100000),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			ev, err := Parse([]byte(in), ParseOptions{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !utf8.ValidString(ev.Text) {
				t.Fatal("text is not valid UTF-8")
			}
			t.Logf("%s in %v", name, time.Since(start))
		})
	}
	ev, _ := Parse([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"+strings.Repeat("я", 3<<20)), ParseOptions{})
	if !strings.HasPrefix(ev.Text, "яяя") || !strings.Contains(ev.Meta["parse_warnings"], "truncated") {
		t.Fatalf("truncated UTF-8 text misread: %q…, %q", ev.Text[:12], ev.Meta["parse_warnings"])
	}
}
