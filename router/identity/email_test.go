package identity

import (
	"errors"
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fold bool
		raw  string
		want string
	}{
		{name: "plain", raw: "ivan@example.ru", want: "ivan@example.ru"},
		{name: "upper case", raw: "Ivan.Petrov@Example.RU", want: "ivan.petrov@example.ru"},
		{name: "display name", raw: "Ivan <ivan@x.ru>", want: "ivan@x.ru"},
		{name: "cyrillic display name", raw: `"Иван Петров" <Ivan@X.ru>`, want: "ivan@x.ru"},
		{name: "encoded display name", raw: "=?utf-8?B?0JjQstCw0L0=?= <ivan@x.ru>", want: "ivan@x.ru"},
		{name: "angle brackets only", raw: "<ivan@x.ru>", want: "ivan@x.ru"},
		{name: "mailto", raw: "mailto:Ivan@x.ru", want: "ivan@x.ru"},
		{name: "trailing dot domain", raw: "ivan@x.ru.", want: "ivan@x.ru"},
		{name: "spaces", raw: "  ivan@x.ru \t", want: "ivan@x.ru"},
		{name: "idn domain", raw: "Info@Пример.РФ", want: "info@пример.рф"},
		{name: "plus kept without folding", raw: "ivan+shop@x.ru", want: "ivan+shop@x.ru"},
		{name: "gmail kept without folding", raw: "I.van+x@googlemail.com", want: "i.van+x@googlemail.com"},
		{name: "fold gmail dots and tag", fold: true, raw: "I.Van.Petrov+shop@gmail.com", want: "ivanpetrov@gmail.com"},
		{name: "fold googlemail", fold: true, raw: "ivan.petrov@googlemail.com", want: "ivanpetrov@gmail.com"},
		{name: "fold ya.ru", fold: true, raw: "ivan.petrov@ya.ru", want: "ivan-petrov@yandex.ru"},
		{name: "fold yandex.com tag", fold: true, raw: "ivan+news@yandex.com", want: "ivan@yandex.ru"},
		{name: "fold yandex.kz", fold: true, raw: "ivan@yandex.kz", want: "ivan@yandex.ru"},
		{name: "fold generic tag", fold: true, raw: "ivan+crm@company.ru", want: "ivan@company.ru"},
		{name: "fold generic keeps dots", fold: true, raw: "ivan.petrov@company.ru", want: "ivan.petrov@company.ru"},
		{name: "fold leading plus kept", fold: true, raw: "+ivan@company.ru", want: "+ivan@company.ru"},
		{name: "fold leaving a trailing dot is skipped", fold: true, raw: "a.+b@x.ru", want: "a.+b@x.ru"},
		{name: "fold yandex dot before tag", fold: true, raw: "a.+b@ya.ru", want: "a-@yandex.ru"},
		{name: "full-width domain", raw: "a@ＸＹ．ru", want: "a@xy.ru"},
		{name: "kelvin sign local part", raw: "\u212A@x.ru", want: "k@x.ru"},
		{name: "fold mail.ru untouched domain", fold: true, raw: "ivan.p@mail.ru", want: "ivan.p@mail.ru"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := mustNew(t, Options{FoldEmail: tt.fold})
			got, err := n.Email(tt.raw)
			if err != nil {
				t.Fatalf("Email(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("Email(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			again, err := n.Email(got)
			if err != nil || again != got {
				t.Errorf("Email(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestEmailRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		raw        string
		wantReason string
	}{
		{name: "empty", raw: "", wantReason: "empty"},
		{name: "no at", raw: "ivan.x.ru", wantReason: "not an email address"},
		{name: "two ats", raw: "ivan@petrov@x.ru", wantReason: "not an email address"},
		{name: "empty local", raw: "@x.ru", wantReason: "not an email address"},
		{name: "empty domain", raw: "ivan@", wantReason: "not an email address"},
		{name: "single label domain", raw: "ivan@localhost", wantReason: "domain without a dot"},
		{name: "address literal", raw: "ivan@[127.0.0.1]", wantReason: "bad character in domain"},
		{name: "quoted local with space", raw: `"ivan petrov"@x.ru`, wantReason: "bad character in local part"},
		{name: "empty label", raw: "ivan@x..ru", wantReason: "not an email address"},
		{name: "hyphen label", raw: "ivan@-x.ru", wantReason: "bad domain label"},
		{name: "underscore domain", raw: "ivan@x_y.ru", wantReason: "bad character in domain"},
		{name: "group syntax", raw: "team: a@x.ru, b@x.ru;", wantReason: "not an email address"},
		{name: "two addresses", raw: "a@x.ru, b@x.ru", wantReason: "not an email address"},
		{name: "too long", raw: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + ".example.ru", wantReason: "too long"},
		{name: "local too long", raw: strings.Repeat("a", 65) + "@x.ru", wantReason: "local part too long"},
		{name: "huge input", raw: strings.Repeat("a", 2000) + "@x.ru", wantReason: "too long"},
		{name: "invalid utf-8", raw: "iv\xffan@x.ru", wantReason: "not valid utf-8"},
	}
	n := mustNew(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := n.Email(tt.raw)
			if err == nil {
				t.Fatalf("Email(%q) = %q, want error", tt.raw, got)
			}
			var ie *Error
			if !errors.As(err, &ie) || ie.Reason != tt.wantReason {
				t.Errorf("Email(%q) error = %v, want reason %q", tt.raw, err, tt.wantReason)
			}
		})
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, email, want string
	}{
		{name: "plain", email: "ivan@Example.RU", want: "example.ru"},
		{name: "trailing dot", email: "ivan@x.ru.", want: "x.ru"},
		{name: "last at wins", email: `"a@b"@x.ru`, want: "x.ru"},
		{name: "angle bracket", email: "Ivan <ivan@x.ru>", want: "x.ru"},
		{name: "no at", email: "ivan", want: ""},
		{name: "empty", email: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := EmailDomain(tt.email); got != tt.want {
				t.Errorf("EmailDomain(%q) = %q, want %q", tt.email, got, tt.want)
			}
		})
	}
}

func TestFreeMail(t *testing.T) {
	t.Parallel()
	n := mustNew(t, Options{FreeMailDomains: []string{" Corp-Mail.example. ", ""}})
	tests := []struct {
		name   string
		domain string
		want   bool
	}{
		{name: "gmail", domain: "gmail.com", want: true},
		{name: "mail.ru upper", domain: "MAIL.RU", want: true},
		{name: "yandex trailing dot", domain: "yandex.ru.", want: true},
		{name: "ukr.net", domain: "ukr.net", want: true},
		{name: "proton", domain: "proton.me", want: true},
		{name: "extra from options", domain: "corp-mail.example", want: true},
		{name: "company", domain: "sberbank.ru", want: false},
		{name: "subdomain not matched", domain: "corp.gmail.com", want: false},
		{name: "empty", domain: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := n.FreeMail(tt.domain); got != tt.want {
				t.Errorf("FreeMail(%q) = %v, want %v", tt.domain, got, tt.want)
			}
		})
	}
	if mustNew(t, Options{}).FreeMail("corp-mail.example") {
		t.Error("extra free-mail domain leaked into another Normalizer")
	}
}
