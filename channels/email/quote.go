package email

import (
	"regexp"
	"strings"
)

// Attribution lines that introduce quoted history. Checked on one line and
// on two joined lines, because mail programs wrap long "On ..., X <x@y>
// wrote:" lines.
var attributionRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^on\s.{4,300}\swrote:$`),
	regexp.MustCompile(`(?i)^.{0,300}\s(писал|писала|написал|написала|пишет)(\s?\(а\))?:$`),
	regexp.MustCompile(`(?i)^am\s.{4,300}\sschrieb\s.{0,200}:$`),
	// Gmail in Russian: "пн, 5 февр. 2024 г. в 10:00, Иван <ivan@example.ru>:".
	regexp.MustCompile(`^.{0,120}\d{4}.{0,120}<[^<>@\s]+@[^<>\s]+>:$`),
}

// Separators after which everything is history (Outlook, The Bat!,
// forwarded blocks): no quote marks follow, so they are cut unconditionally.
var separatorRe = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|исходное сообщение|forwarded message|пересылаемое сообщение|переадресованное сообщение)\s*-{2,}\s*$`)

// outlookHeaderRe matches the first line of Outlook's quoted header block
// ("From: ..." / "От: ..."), recognised only when a Sent/Отправлено line
// follows within the next lines.
var (
	outlookFromRe = regexp.MustCompile(`(?i)^\s*\*?(from|от):\*?\s+\S`)
	outlookSentRe = regexp.MustCompile(`(?i)^\s*\*?(sent|date|отправлено|дата):\*?\s+\S`)
)

// foldQuotes splits the new text of a reply from the quoted history below
// it. It cuts at the first attribution line or separator when the history
// follows it, or else drops a trailing block of "> " lines. Inline replies
// (quotes interleaved with new text) are kept whole: folding them would hide
// what the client answered. It never returns empty text for non-empty input:
// a letter that is all quote is shown whole.
func foldQuotes(text string) (newText string, folded bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	cut := -1
	for i := 0; i < len(lines) && cut < 0; i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "":
		case separatorRe.MatchString(line):
			cut = i
		case outlookFromRe.MatchString(line) && outlookSentFollows(lines, i):
			cut = i
		case isAttribution(line) && historyFollows(lines, i+1):
			cut = i
		case i+1 < len(lines) && !isQuoted(line) && isAttribution(line+" "+strings.TrimSpace(lines[i+1])) && historyFollows(lines, i+2):
			cut = i
		}
	}
	if cut < 0 {
		cut = trailingQuoteStart(lines)
	}
	if cut < 0 {
		return text, false
	}
	out := strings.TrimRight(strings.Join(lines[:cut], "\n"), " \t\n")
	if strings.TrimSpace(out) == "" {
		return text, false
	}
	return out, true
}

func isAttribution(line string) bool {
	if len(line) > 600 {
		return false
	}
	for _, re := range attributionRes {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

func isQuoted(line string) bool { return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") }

// historyFollows reports whether the lines from i on are history: either no
// unquoted text follows a quote (a plain top-post) or there are no quote
// marks at all (clients that append the previous letter unmarked).
func historyFollows(lines []string, i int) bool {
	sawQuote := false
	for _, l := range lines[min(i, len(lines)):] {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case isQuoted(t):
			sawQuote = true
		case sawQuote:
			return false // new text after a quote: an inline reply
		}
	}
	return true
}

func outlookSentFollows(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if outlookSentRe.MatchString(lines[j]) {
			return true
		}
	}
	return false
}

// trailingQuoteStart returns where the final block of quoted lines begins,
// or -1 when the text does not end in a quote.
func trailingQuoteStart(lines []string) int {
	start := -1
	for i := len(lines) - 1; i >= 0; i-- {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		if !isQuoted(t) {
			break
		}
		start = i
	}
	return start
}
