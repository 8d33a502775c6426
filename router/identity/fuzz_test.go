package identity

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// e164 is the shape of Phone's output: E.164 with an optional RFC 3966
// extension.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}(;ext=[0-9]{1,20})?$`)

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"8 912 345-67-89", "+7 (912) 345 67 89", "79123456789", "89123456789",
		"+7 495 123-45-67 доб. 123", "+74951234567;ext=123", "tel:+7-495-123-45-67",
		"８９１２３４５６７８９", "8 800 FLOWERS", "+1 650 253 0000", "", "ivan", "+",
	} {
		f.Add(s)
	}
	n, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := n.Phone(raw)
		if err != nil {
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("Phone(%q) = %q, not E.164", raw, got)
		}
		again, err := n.Phone(got)
		if err != nil || again != got {
			t.Fatalf("Phone(%q) = %q; Phone(%q) = %q, %v", raw, got, got, again, err)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"ivan@x.ru", "Ivan <Ivan@X.ru>", `"Иван" <ivan@x.ru>`, "I.Van+tag@googlemail.com",
		"ivan.petrov@ya.ru", "mailto:a@b.c", "info@пример.рф", "a@b", "@", "a@@b.c",
		`"a b"@x.ru`, "a@[1.2.3.4]", "a@x.ru.",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	plain, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	fold, err := New(Options{FoldEmail: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string, folding bool) {
		n := plain
		if folding {
			n = fold
		}
		got, err := n.Email(raw)
		if err != nil {
			return
		}
		if strings.Count(got, "@") != 1 || strings.HasPrefix(got, "@") || strings.HasSuffix(got, "@") {
			t.Fatalf("Email(%q) = %q, want one @ between non-empty parts", raw, got)
		}
		if len(got) > MaxEmailLength || !utf8.ValidString(got) {
			t.Fatalf("Email(%q) = %q, too long or not UTF-8", raw, got)
		}
		if got != strings.ToLower(got) {
			t.Fatalf("Email(%q) = %q, not lower-case", raw, got)
		}
		again, err := n.Email(got)
		if err != nil || again != got {
			t.Fatalf("Email(%q) = %q; Email(%q) = %q, %v", raw, got, got, again, err)
		}
		if d := EmailDomain(got); d == "" || !strings.HasSuffix(got, "@"+d) {
			t.Fatalf("EmailDomain(%q) = %q", got, d)
		}
	})
}

func FuzzINN(f *testing.F) {
	for _, s := range []string{
		"7707083893", "500100732259", "7707 083 893", "７７０７０８３８９３",
		"0000000000", "7707083894", "", "abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := INN(raw)
		if err != nil {
			return
		}
		if (len(got) != 10 && len(got) != 12) || !allASCIIDigits(got) {
			t.Fatalf("INN(%q) = %q, want 10 or 12 digits", raw, got)
		}
		if !innChecksumOK(got) {
			t.Fatalf("INN(%q) = %q, bad checksum", raw, got)
		}
		again, err := INN(got)
		if err != nil || again != got {
			t.Fatalf("INN(%q) = %q; INN(%q) = %q, %v", raw, got, got, again, err)
		}
	})
}

func FuzzNameKey(f *testing.F) {
	for _, s := range []string{
		"Иванов Пётр", "Petr Ivanov", "IVANOV, Pyotr", "ООО «Ромашка»", "Дмитрий Юрьевич",
		"Ol'ga O’Brien", "İstanbul", "ǅemal ﬁ", "kkh yyo iie", "", "\xff\xfe",
	} {
		f.Add(s, "Petr Ivanov")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		key := NameKey(a)
		if again := NameKey(key); again != key {
			t.Fatalf("NameKey(%q) = %q; NameKey(%q) = %q", a, key, key, again)
		}
		toks := NameTokens(a)
		if !slices.IsSorted(toks) || len(toks) > maxNameTokens {
			t.Fatalf("NameTokens(%q) = %q, unsorted or too many", a, toks)
		}
		for _, tok := range toks {
			if utf8.RuneCountInString(tok) < 2 || strings.ContainsAny(tok, " \t") {
				t.Fatalf("NameTokens(%q) has bad token %q", a, tok)
			}
		}
		keys := NameKeys(a)
		if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) ||
			len(keys) > maxNameKeyStems*(maxNameKeyStems-1)/2 {
			t.Fatalf("NameKeys(%q) = %q, unsorted, repeated or too many", a, keys)
		}
		for _, k := range keys {
			if strings.Count(k, " ") != 1 {
				t.Fatalf("NameKeys(%q) has bad key %q", a, k)
			}
		}
		s := NameSimilarity(a, b)
		if s < 0 || s > 1 || s != s {
			t.Fatalf("NameSimilarity(%q, %q) = %v, outside [0,1]", a, b, s)
		}
		if len(toks) > 0 {
			if self := NameSimilarity(a, a); self != 1 {
				t.Fatalf("NameSimilarity(%q, itself) = %v, want 1", a, self)
			}
		}
	})
}
