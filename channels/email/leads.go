package email

import (
	"regexp"

	"github.com/switchboard-hub/switchboard/channels"
)

// leadMatcher is a compiled LeadRule.
type leadMatcher struct {
	from, subject *regexp.Regexp
	source        string
}

// compileLeadRules compiles rules checked by Validate; an invalid pattern
// here is a programming error surfaced as an error, not a panic.
func compileLeadRules(rules []LeadRule) ([]leadMatcher, error) {
	out := make([]leadMatcher, 0, len(rules))
	for _, r := range rules {
		m := leadMatcher{source: r.Source}
		var err error
		if r.From != "" {
			if m.from, err = regexp.Compile("(?i)" + r.From); err != nil {
				return nil, err
			}
		}
		if r.Subject != "" {
			if m.subject, err = regexp.Compile("(?i)" + r.Subject); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// markLead sets Meta["lead"] and Meta["lead_source"] on the first matching
// rule. The leads package turns such events into leads; this package only
// flags them, so the mail pipeline stays the same for form mail.
func markLead(ev *channels.InboundEvent, rules []leadMatcher) {
	from := ev.SenderID
	for _, r := range rules {
		if r.from != nil && !r.from.MatchString(from) {
			continue
		}
		if r.subject != nil && !r.subject.MatchString(ev.Subject) {
			continue
		}
		if ev.Meta == nil {
			ev.Meta = map[string]string{}
		}
		ev.Meta["lead"] = "1"
		source := r.source
		if source == "" {
			source = "email"
		}
		ev.Meta["lead_source"] = source
		return
	}
}
