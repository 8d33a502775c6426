package email

import (
	"net/url"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// DefaultCIDURLPrefix starts the URLs that "cid:" image sources are
// rewritten to; see CIDURL.
const DefaultCIDURLPrefix = "/api/v1/attachments/cid/"

// CIDURL is the URL an inline image "cid:<cid>" of a letter is rewritten
// to: prefix, then the channel, the letter's external id (its Message-ID)
// and the Content-ID, each path-escaped. The agent API serves it as the
// attachment with that Content-ID of the message stored under (channel,
// external id), after checking the viewer may see its dialog. The parser
// cannot use the stored message id, which does not exist until the router
// commits the letter; the pair it uses is unique all the same. The URL is
// an absolute path because the console shows the HTML in a srcdoc iframe,
// where a relative URL would not resolve against the API.
func CIDURL(prefix, channel, externalID, cid string) string {
	return cidBase(prefix, channel, externalID) + url.PathEscape(cid)
}

// cidBase is CIDURL without the Content-ID.
func cidBase(prefix, channel, externalID string) string {
	if prefix == "" {
		prefix = DefaultCIDURLPrefix
	}
	return prefix + url.PathEscape(channel) + "/" + url.PathEscape(externalID) + "/"
}

var (
	policyOnce   sync.Once
	strictPolicy *bluemonday.Policy // remote images blanked
	remotePolicy *bluemonday.Policy // remote images kept
)

// policies builds the two sanitizing policies once; a bluemonday policy is
// safe for concurrent use after it is built.
func policies() (strict, remote *bluemonday.Policy) {
	policyOnce.Do(func() {
		strictPolicy = newPolicy(false)
		remotePolicy = newPolicy(true)
	})
	return strictPolicy, remotePolicy
}

func newPolicy(allowRemote bool) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Links open in a new tab without leaking the console's URL or handing
	// the letter's page a window.opener.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	if !allowRemote {
		// A remote image is a read receipt and a tracker: blank its source.
		// Our rewritten cid: sources are relative and stay.
		p.RewriteSrc(func(u *url.URL) {
			if u.IsAbs() || u.Host != "" {
				*u = url.URL{}
			}
		})
	}
	return p
}

// sanitizeHTML rewrites cid: image sources to cidPrefix and the escaped
// Content-ID, then sanitizes with the UGC policy. The rewrite must come
// first because the policy drops URLs with schemes it does not know, cid:
// among them.
func sanitizeHTML(src, cidPrefix string, allowRemote bool) string {
	rewritten := rewriteCID(src, cidPrefix)
	strict, remote := policies()
	if allowRemote {
		return remote.Sanitize(rewritten)
	}
	return strict.Sanitize(rewritten)
}

// rewriteCID replaces src="cid:..." on every element with the prefix and
// the escaped Content-ID. It works on the token stream so that it touches
// attributes only, never text that happens to read "cid:".
func rewriteCID(src, prefix string) string {
	if !strings.Contains(strings.ToLower(src), "cid:") {
		return src
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	b.Grow(len(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			if (a.Key == "src" || a.Key == "background") && len(a.Val) > 4 && strings.EqualFold(a.Val[:4], "cid:") {
				// A cid URL is %-encoded (RFC 2392); the Content-Id
				// header it names is not.
				cid := a.Val[4:]
				if u, err := url.PathUnescape(cid); err == nil {
					cid = u
				}
				tok.Attr[i].Val = prefix + url.PathEscape(normalizeMsgID(cid))
				changed = true
			}
		}
		if changed {
			b.WriteString(tok.String())
		} else {
			b.Write(z.Raw())
		}
	}
}

// htmlToText derives plain text from HTML for previews, search and for
// HTML-only letters: block elements become line breaks, <br> a newline,
// blockquote lines get "> " so the quote folder recognises them, script and
// style content is dropped.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	quote := 0
	skip := 0
	atLineStart := true
	newline := func() {
		b.WriteByte('\n')
		atLineStart = true
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "blockquote":
				if tt == html.StartTagToken {
					quote++
				} else if tt == html.EndTagToken && quote > 0 {
					quote--
				}
				newline()
			case "br":
				newline()
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr":
				if !atLineStart {
					newline()
				}
			case "td", "th":
				if tt == html.EndTagToken {
					b.WriteByte('\t')
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			text := strings.Join(strings.Fields(html.UnescapeString(string(z.Text()))), " ")
			if text == "" {
				continue
			}
			if atLineStart && quote > 0 {
				b.WriteString(strings.Repeat("> ", quote))
			} else if !atLineStart {
				b.WriteByte(' ')
			}
			b.WriteString(text)
			atLineStart = false
		}
	}
}

// tidyText trims trailing spaces on each line and collapses runs of blank
// lines to one.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
