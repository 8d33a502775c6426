package identity

import (
	"strings"
	"unicode"
)

// cyrLatin maps lower-case Cyrillic letters to Latin, following GOST 7.79-2000
// system B for the consonants (ж zh, х kh, ц ts, ч ch, ш sh, щ shch) and the
// common passport-style yu/ya for ю/я; ы is y, ь and ъ vanish. Ukrainian and
// Belarusian letters are included so their names transliterate too.
var cyrLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian, Belarusian
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u",
}

// Transliterate writes the Cyrillic letters of s in Latin (see cyrLatin) and
// leaves every other character as it is. An upper-case letter gives a
// capitalised replacement ("Щ" → "Shch").
func Transliterate(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range s {
		lower := unicode.ToLower(r)
		lat, ok := cyrLatin[lower]
		if !ok {
			b.WriteRune(r)
			continue
		}
		if lower != r && lat != "" {
			b.WriteByte(lat[0] - 'a' + 'A')
			b.WriteString(lat[1:])
			continue
		}
		b.WriteString(lat)
	}
	return b.String()
}

// canonicalLatin collapses the spellings that different transliteration
// standards and habits give the same Russian name, so that the key of a
// Cyrillic name and of its Latin spelling meet. It runs on a lower-case
// token, after Transliterate, and repeats until nothing changes so that it is
// idempotent. The rules, in order:
//
//  1. consonant + "yo" → consonant + "e": ё is usually written "e" in
//     Russian and "yo" in Latin (Pyotr/Пётр → petr, Fyodor, Semyon, Alyona);
//  2. a leading "ye" → "e" (Yelena, Yegor, Yevgeny);
//  3. "x" → "ks" (Alexey/Aleksey);
//  4. "kh" → "h" (Mikhail/Mihail, Khabarov/Habarov);
//  5. "y" → "i": й, ы and the y of yu/ya are written i, y or j by different
//     standards (Andrey/Andrei, Yuliya/Iuliia);
//  6. a run of "i" → one "i" (Dmitriy/Dmitrii/Dmitry/Дмитрий → dmitri,
//     Mariya/Maria);
//  7. "ie" → "e", for the soft sign before е written out or not
//     (Vasiliev/Vasilyev/Васильев → vasilev, Sergeyevich/Sergeevich).
//
// The output is a matching key, not a spelling to show anyone.
func canonicalLatin(tok string) string {
	for range 8 { // each pass only shortens or ends; a few passes suffice
		next := canonicalPass(tok)
		if next == tok {
			return tok
		}
		tok = next
	}
	return tok
}

// canonicalPass applies the rules of canonicalLatin once.
func canonicalPass(s string) string {
	// Rule 1 needs the letter before "yo"; done by hand.
	if strings.Contains(s, "yo") {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if i > 0 && s[i] == 'y' && i+1 < len(s) && s[i+1] == 'o' && isLatinConsonant(s[i-1]) {
				b.WriteByte('e')
				i++
				continue
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	if strings.HasPrefix(s, "ye") {
		s = s[1:]
	}
	s = strings.ReplaceAll(s, "x", "ks")
	s = strings.ReplaceAll(s, "kh", "h")
	s = strings.ReplaceAll(s, "y", "i")
	for strings.Contains(s, "ii") {
		s = strings.ReplaceAll(s, "ii", "i")
	}
	s = strings.ReplaceAll(s, "ie", "e")
	return s
}

// isLatinConsonant reports whether c is a lower-case Latin consonant.
func isLatinConsonant(c byte) bool {
	return c >= 'a' && c <= 'z' && !strings.ContainsRune("aeiouy", rune(c))
}
