package email

import (
	"strings"
	"testing"
)

// TestCIDURLs checks the inline image URLs: every part is path-escaped so a
// Message-ID or Content-ID with "/" or "?" stays one path segment, and a
// %-encoded cid: source (RFC 2392) names the unencoded Content-Id.
func TestCIDURLs(t *testing.T) {
	t.Parallel()
	got := CIDURL("", "email:sales", "a/b?c@x.ru", "img 1@x.ru")
	if want := "/api/v1/attachments/cid/email:sales/a%2Fb%3Fc@x.ru/img%201@x.ru"; got != want {
		t.Errorf("CIDURL = %q, want %q", got, want)
	}

	raw := "From: a@x.ru\r\nTo: sales@example.com\r\nMessage-ID: <m1@x.ru>\r\nSubject: s\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n" +
		`<p>x</p><img src="cid:part1%25a@x.ru"><img src="CID:&lt;p2@x.ru&gt;">`
	ev, err := Parse([]byte(raw), ParseOptions{Channel: "email:sales"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`src="/api/v1/attachments/cid/email:sales/m1@x.ru/part1%25a@x.ru"`,
		`src="/api/v1/attachments/cid/email:sales/m1@x.ru/p2@x.ru"`,
	} {
		if !strings.Contains(ev.HTML, want) {
			t.Errorf("HTML %s\nlacks %s", ev.HTML, want)
		}
	}
}
