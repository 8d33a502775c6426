package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic (the
// recover in Parse would turn one into an error, which the fuzzer reports
// as a failure here), and what it returns must be valid UTF-8.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a--"))
	f.Add([]byte("Subject: =?koi8-r?Q?=E4=CF?=\r\nContent-Type: text/html\r\n\r\n<img src=cid:x><script>x</script>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Parse(raw, ParseOptions{MaxAttachmentBytes: 1 << 16})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("parser panicked: %v", err)
			}
			ev = FallbackEvent(raw, err, ParseOptions{MaxAttachmentBytes: 1 << 16})
		}
		for what, s := range map[string]string{"subject": ev.Subject, "text": ev.Text, "html": ev.HTML, "thread key": ev.ThreadKey} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", what, s)
			}
		}
		for k, v := range ev.Meta {
			if !utf8.ValidString(v) {
				t.Fatalf("meta %s is not valid UTF-8: %q", k, v)
			}
		}
		if ev.ExternalID == "" {
			t.Fatal("empty external id")
		}
	})
}
