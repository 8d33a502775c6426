package email

import (
	"strings"

	"github.com/emersion/go-message/mail"
)

// automatedReason says why a letter is machine-generated (an auto-reply, a
// vacation notice, a bounce, a read receipt), or "" for a person's letter.
// Such letters are stored in an existing dialog but never open one or reach
// distribution; answering them would start a mail loop.
func automatedReason(h mail.Header, mediaType, reportType, fromAddr string) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "auto-submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if h.Has(k) {
			return strings.ToLower(k)
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "auto_reply", "junk":
		return "precedence: " + strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	}
	// Microsoft Exchange marks out-of-office replies this way.
	if strings.Contains(strings.ToLower(h.Get("X-Auto-Response-Suppress")), "oof") && h.Has("X-MS-Exchange-Inbox-Rules-Loop") {
		return "exchange auto-reply"
	}
	if mediaType == "multipart/report" {
		if reportType == "" {
			reportType = "report"
		}
		return "report: " + reportType
	}
	if h.Has("X-Failed-Recipients") {
		return "bounce"
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return "null return path"
	}
	local, _, _ := splitAddress(fromAddr)
	switch strings.ToLower(local) {
	case "mailer-daemon", "postmaster":
		return "sender " + strings.ToLower(local)
	}
	return ""
}
