package identity

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameMatchThreshold is the NameSimilarity at or above which the router
// raises a duplicate candidate for two clients. It is tuned on the cases in
// names_test.go: the same person with or without a patronymic and in either
// script scores ≥ 0.9; a shared first name alone ("Иван" vs "Иван Петров",
// 0.83) and a shared surname with another first name (0.5) stay below.
const NameMatchThreshold = 0.85

// Limits keep name work linear in a bounded input: a name longer than this
// is not a name, and the key stays small enough to index.
const (
	maxNameInput    = 4096 // bytes read from the input
	maxNameTokens   = 16   // tokens kept, in input order
	maxNameTokenLen = 64   // longer tokens are dropped
)

// noiseTokens are legal forms and honorifics that say nothing about who a
// client is ("ООО Ромашка" is "Ромашка"). They are compared after
// canonicalisation, so Cyrillic and Latin spellings of one form are one entry.
var noiseTokens = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range []string{
		"ооо", "оао", "зао", "пао", "ао", "нао", "ип", "чп", "тоо", "гуп",
		"муп", "фгуп", "нко", "ано", "пбоюл",
		"llc", "ltd", "inc", "corp", "co", "gmbh", "plc", "jsc", "pjsc",
		"cjsc", "ooo", "oao", "zao", "pao", "ip", "mr", "mrs", "ms",
	} {
		m[canonicalToken(foldName(w))] = true
	}
	return m
}()

// NameTokens returns the matching tokens of a person or company name:
// lower-cased, accents and diacritics removed (so ё→е and й→и), apostrophes
// dropped, split on everything that is not a letter or digit, Cyrillic
// transliterated (Transliterate) and spelling variants collapsed
// (canonicalLatin), legal forms and honorifics dropped (noiseTokens), tokens
// shorter than two letters dropped, then sorted with duplicates removed.
//
// ё→е and й→и are folded before transliteration because that is how the
// same names are most often typed without those letters, and after rule 5
// of canonicalLatin й would become i anyway.
//
// "Иванов Пётр" and "Petr Ivanov" and "IVANOV, Pyotr" all give
// [ivanov petr]. Only the first maxNameTokens tokens are kept.
func NameTokens(name string) []string {
	if len(name) > maxNameInput {
		name = name[:maxNameInput] // a cut rune becomes U+FFFD and splits off
	}
	var toks []string
	for _, f := range strings.FieldsFunc(foldName(name), isNameSeparator) {
		if len(toks) == maxNameTokens {
			break
		}
		t := canonicalToken(f)
		if len(t) > maxNameTokenLen || len([]rune(t)) < 2 || noiseTokens[t] {
			continue
		}
		toks = append(toks, t)
	}
	slices.Sort(toks)
	return slices.Compact(toks)
}

// NameKey returns NameTokens joined by single spaces: equal keys mean the
// names match exactly after folding. It is idempotent: NameKey(NameKey(x))
// == NameKey(x). An empty key means the name has nothing to match on.
func NameKey(name string) string {
	return strings.Join(NameTokens(name), " ")
}

// foldName lower-cases s, removes diacritics and compatibility forms
// (NFKD, then dropping combining marks) and drops apostrophes, which
// transliterations use for ь ("Ol'ga") and which must not split a token.
func foldName(s string) string {
	s = norm.NFKD.String(s)
	s = strings.ToLower(s)
	s = norm.NFKD.String(s) // lower-casing can compose again (İ → i̇)
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) || isApostrophe(r) {
			return -1
		}
		return r
	}, s)
}

// canonicalToken transliterates one folded token and collapses its variants.
func canonicalToken(tok string) string {
	return canonicalLatin(Transliterate(tok))
}

// isNameSeparator reports whether r separates name tokens.
func isNameSeparator(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// isApostrophe reports whether r is one of the apostrophe-like characters.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '`', '´', 'ʹ':
		return true
	}
	return false
}

// Name keys are how a new client's possible namesakes are found without
// comparing it to every client: only clients sharing a key are scored with
// NameSimilarity. A key is a pair of token stems, a stem being a token's
// first letter and the consonants after it, up to nameStemLen letters
// ("ivanov" and "ivanova" → "ivn", "pliús" and "plus" → "pls"), so
//   - "Иванов Пётр", "Petr Ivanov", "Иванова Петра" and "Иванов Пётр
//     Сергеевич" share the key "ivn ptr": word order, script, declension,
//     transliterated vowels and a patronymic do not hide a namesake;
//   - a shared first name alone, the commonest coincidence and never a
//     match, shares no key, so a key's clients stay few even in a base of
//     millions.
//
// A name with one token has no keys: it never raises a candidate on its own.
const (
	nameStemLen     = 3
	maxNameKeyStems = 6 // a name's first tokens paired; later ones add nothing but keys
)

// NameKeys returns the distinct keys of a name, sorted.
func NameKeys(name string) []string {
	toks := NameTokens(name)
	if len(toks) > maxNameKeyStems {
		toks = toks[:maxNameKeyStems]
	}
	stems := make([]string, len(toks))
	for i, t := range toks {
		stems[i] = stem(t)
	}
	var keys []string
	for i := range stems {
		for j := i + 1; j < len(stems); j++ {
			a, b := stems[i], stems[j]
			if a > b {
				a, b = b, a
			}
			keys = append(keys, a+" "+b)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// stem returns a token's first letter and the consonants after it, up to
// nameStemLen letters. Vowels are where transliterations and declensions
// of one name differ most.
func stem(tok string) string {
	var b strings.Builder
	n := 0
	for i, r := range tok {
		if n == nameStemLen {
			break
		}
		if i > 0 && strings.ContainsRune("aeiouy", r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
