package identity

// freeMail lists public mailbox providers. A shared domain among them says
// nothing about two clients working together, so the router must not raise
// a "same company domain" candidate for it. The list favours the providers
// Russian-speaking and international clients actually use; extend it per
// deployment with Options.FreeMailDomains.
var freeMail = map[string]bool{
	// Google, Microsoft, Yahoo, Apple, AOL
	"gmail.com": true, "googlemail.com": true,
	"outlook.com": true, "hotmail.com": true, "live.com": true, "msn.com": true,
	"outlook.ru": true, "hotmail.ru": true, "live.ru": true,
	"yahoo.com": true, "ymail.com": true, "rocketmail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true,
	"aol.com": true,
	// Mail.ru group
	"mail.ru": true, "bk.ru": true, "list.ru": true, "inbox.ru": true,
	"internet.ru": true, "mail.ua": true,
	// Yandex
	"yandex.ru": true, "ya.ru": true, "yandex.com": true, "yandex.by": true,
	"yandex.kz": true, "yandex.ua": true, "narod.ru": true,
	// Rambler
	"rambler.ru": true, "lenta.ru": true, "autorambler.ru": true,
	"myrambler.ru": true, "ro.ru": true,
	// other Russian and CIS
	"qip.ru": true, "pochta.ru": true, "ukr.net": true, "i.ua": true,
	"meta.ua": true, "tut.by": true, "mail.kz": true,
	// privacy and European
	"proton.me": true, "protonmail.com": true, "pm.me": true, "tutanota.com": true,
	"gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true,
	"zoho.com": true, "mail.com": true,
}

// FreeMail reports whether domain is a public mailbox provider, from the
// built-in list or Options.FreeMailDomains. Case and a trailing dot are
// ignored; subdomains are not matched (a company's mx.gmail-like host is
// its own).
func (n *Normalizer) FreeMail(domain string) bool {
	d := canonicalDomain(domain)
	if freeMail[d] {
		return true
	}
	return n != nil && n.freeMail[d]
}
