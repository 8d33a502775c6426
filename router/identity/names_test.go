package identity

import (
	"slices"
	"testing"
)

func TestNameKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "cyrillic", in: "Иванов Пётр", want: "ivanov petr"},
		{name: "latin reversed", in: "Petr Ivanov", want: "ivanov petr"},
		{name: "passport yo", in: "IVANOV, Pyotr", want: "ivanov petr"},
		{name: "patronymic", in: "Иванов Пётр Сергеевич", want: "ivanov petr sergeevich"},
		{name: "patronymic ye", in: "Ivanov Pyotr Sergeyevich", want: "ivanov petr sergeevich"},
		{name: "ij endings", in: "Дмитрий Юрьевич Васильев", want: "dmitri iurevich vasilev"},
		{name: "ij endings latin", in: "Dmitriy Yuryevich Vasilyev", want: "dmitri iurevich vasilev"},
		{name: "dmitry", in: "Dmitry", want: "dmitri"},
		{name: "kh and x", in: "Alexey Mikhailov", want: "aleksei mihailov"},
		{name: "kh and x cyrillic", in: "Алексей Михайлов", want: "aleksei mihailov"},
		{name: "ya yu ia iu", in: "Iuliia Natalya Mariya", want: "iulia maria natalia"},
		{name: "ya yu cyrillic", in: "Юлия Наталья Мария", want: "iulia maria natalia"},
		{name: "leading ye", in: "Yelena Yegorova", want: "egorova elena"},
		{name: "leading e cyrillic", in: "Елена Егорова", want: "egorova elena"},
		{name: "yo after consonant", in: "Fyodor Semyonov", want: "fedor semenov"},
		{name: "legal form dropped", in: "ООО «Ромашка»", want: "romashka"},
		{name: "latin legal form", in: "Romashka LLC", want: "romashka"},
		{name: "sole trader", in: "ИП Сидоров А.В.", want: "sidorov"},
		{name: "initials dropped", in: "И.И. Иванов", want: "ivanov"},
		{name: "apostrophe joins", in: "Ol'ga O’Brien", want: "obren olga"},
		{name: "hyphen splits", in: "Петров-Водкин", want: "petrov vodkin"},
		{name: "duplicates removed", in: "Иванов Иван Иванов", want: "ivan ivanov"},
		{name: "digits kept", in: "Ромашка 2000", want: "2000 romashka"},
		{name: "accents", in: "José Müller", want: "jose muller"},
		{name: "shch zh ts ch", in: "Щукин Жуков Цой Чехов", want: "chehov shchukin tsoi zhukov"},
		{name: "ukrainian", in: "Євгенія Ковальчук", want: "evgenia kovalchuk"},
		{name: "empty", in: "", want: ""},
		{name: "punctuation only", in: "— , . !", want: ""},
		{name: "noise only", in: "ООО", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := NameKey(tt.in)
			if got != tt.want {
				t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := NameKey(got); again != got {
				t.Errorf("NameKey(%q) = %q; not idempotent", got, again)
			}
		})
	}
}

func TestNameTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "sorted", in: "Пётр Иванов", want: []string{"ivanov", "petr"}},
		{name: "empty", in: "", want: nil},
		{name: "token cap", in: "aa ab ac ad ae af ag ah ai aj ak al am an ao ap aq ar", want: []string{
			"aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al", "am", "an", "ap", "aq",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NameTokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("NameTokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTransliterate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "gost consonants", in: "жхцчшщ", want: "zhkhtschshshch"},
		{name: "vowels", in: "ёйыэюя", want: "yoyyeyuya"},
		{name: "signs vanish", in: "подъезд мышь", want: "podezd mysh"},
		{name: "capitals", in: "Щукин Юрий", want: "Shchukin Yuriy"},
		{name: "latin untouched", in: "Ivan 42!", want: "Ivan 42!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Transliterate(tt.in); got != tt.want {
				t.Errorf("Transliterate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNameSimilarity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{name: "same person with patronymic", a: "Иванов Пётр Сергеевич", b: "Petr Ivanov", min: 0.8, max: 1},
		{name: "identical", a: "Иванов Пётр", b: "Petr Ivanov", min: 1, max: 1},
		{name: "different people", a: "Иванов Пётр", b: "Сидоров Иван", min: 0, max: 0.5},
		{name: "shared first name only", a: "Иван Иванов", b: "Иван Петров", min: 0, max: 0.6},
		{name: "lone first name", a: "Иван", b: "Иван Петров", min: 0.5, max: NameMatchThreshold - 0.001},
		{name: "alexander spellings", a: "Aleksander Petrov", b: "Александр Петров", min: NameMatchThreshold, max: 1},
		{name: "declined", a: "Иванов Пётр", b: "Иванова Петра", min: NameMatchThreshold, max: 1},
		{name: "company legal form", a: "ООО Ромашка", b: "Ромашка LLC", min: 1, max: 1},
		{name: "different companies", a: "ООО Ромашка", b: "ООО Лютик", min: 0, max: 0.3},
		{name: "empty", a: "", b: "Иванов", min: 0, max: 0},
		{name: "both empty", a: "", b: "", min: 0, max: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := NameSimilarity(tt.a, tt.b)
			if got < tt.min || got > tt.max {
				t.Errorf("NameSimilarity(%q, %q) = %.3f, want in [%.3f, %.3f]", tt.a, tt.b, got, tt.min, tt.max)
			}
			if rev := NameSimilarity(tt.b, tt.a); rev != got {
				t.Errorf("NameSimilarity not symmetric: %.3f vs %.3f", got, rev)
			}
		})
	}
}

func TestJaroWinkler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		// Reference values from Winkler's paper and common implementations.
		{name: "martha", a: "martha", b: "marhta", want: 0.961},
		{name: "dwayne", a: "dwayne", b: "duane", want: 0.840},
		{name: "dixon", a: "dixon", b: "dicksonx", want: 0.813},
		{name: "equal", a: "ivan", b: "ivan", want: 1},
		{name: "disjoint", a: "abc", b: "xyz", want: 0},
		{name: "one empty", a: "", b: "xyz", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := jaroWinkler(tt.a, tt.b); got < tt.want-0.001 || got > tt.want+0.001 {
				t.Errorf("jaroWinkler(%q, %q) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNameKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "first and last", in: "Иванов Пётр", want: []string{"ivn ptr"}},
		{name: "declined", in: "Иванова Петра", want: []string{"ivn ptr"}},
		{name: "patronymic", in: "Petr Sergeyevich Ivanov", want: []string{"ivn ptr", "ivn srg", "ptr srg"}},
		{name: "shared stem", in: "Иван Иванов", want: []string{"ivn ivn"}},
		{name: "vowels differ", in: "Romashka Plus", want: []string{"pls rms"}},
		{name: "short tokens", in: "Ли Вэй", want: []string{"l v"}},
		{name: "one token", in: "ООО Ромашка", want: nil},
		{name: "empty", in: "", want: nil},
		{name: "stem cap", in: "b1 b2 b3 b4 b5 b6 b7 b8", want: []string{
			"b1 b2", "b1 b3", "b1 b4", "b1 b5", "b1 b6", "b2 b3", "b2 b4", "b2 b5",
			"b2 b6", "b3 b4", "b3 b5", "b3 b6", "b4 b5", "b4 b6", "b5 b6",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NameKeys(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("NameKeys(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNameKeysFindMatches checks the promise the router relies on: two
// names of two or more tokens that NameSimilarity calls a match share a
// key, so a namesake is never missed for want of one. It also shows what a
// key leaves out: a shared first name alone.
func TestNameKeysFindMatches(t *testing.T) {
	t.Parallel()
	names := []string{
		"Иванов Пётр", "Petr Ivanov", "IVANOV, Pyotr", "Иванов Пётр Сергеевич", "Ivanov Pyotr Sergeyevich",
		"Иванова Петра", "Иванова Мария", "Мария Иванова", "Maria Ivanova", "Mariya Ivanova",
		"Дмитрий Юрьевич Васильев", "Dmitriy Yuryevich Vasilyev", "Dmitry Vasiliev", "Васильев Дмитрий",
		"Aleksander Petrov", "Александр Петров", "Alexander Petrov", "Саша Петров",
		"Alexey Mikhailov", "Алексей Михайлов", "Aleksei Mihailov", "Алексей Михайлович",
		"Юлия Наталья Мария", "Iuliia Natalya Mariya", "Yelena Yegorova", "Елена Егорова", "Елена Егоровна",
		"Fyodor Semyonov", "Фёдор Семёнов", "Fedor Semenov", "Иван Иванов", "Иван Петров", "Иван Иванович Иванов",
		"Ol'ga O’Brien", "Olga OBrien", "Петров-Водкин Кузьма", "Kuzma Petrov-Vodkin", "Щукин Жуков",
		"José Müller", "Jose Muller", "Евгения Ковальчук", "Євгенія Ковальчук", "Evgenia Kovalchuk",
		"ООО Ромашка Плюс", "Romashka Plus LLC", "ИП Сидоров Андрей", "Andrey Sidorov", "Сидоров А.В.",
	}
	for _, a := range names {
		for _, b := range names {
			if a == b || len(NameTokens(a)) < 2 || len(NameTokens(b)) < 2 {
				continue
			}
			if NameSimilarity(a, b) < NameMatchThreshold {
				continue
			}
			if !sharesKey(NameKeys(a), NameKeys(b)) {
				t.Errorf("%q ~ %q (%.3f) share no key: %q, %q", a, b, NameSimilarity(a, b), NameKeys(a), NameKeys(b))
			}
		}
	}
	if sharesKey(NameKeys("Иван Иванов"), NameKeys("Иван Петров")) {
		t.Error("a shared first name alone gives a shared key")
	}
}

func sharesKey(a, b []string) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}
