package identity

import (
	"slices"
	"unicode/utf8"
)

// minTokenSimilarity is the token similarity below which two tokens are
// treated as unrelated, so many weak partial matches cannot add up to a
// strong name match.
const minTokenSimilarity = 0.7

// NameSimilarity scores how likely two names are the same person or
// company, in [0, 1]. Both are reduced to NameTokens; tokens are paired
// greedily, best pair first, each token used once, by tokenSimilarity. With
// S the sum of the paired scores the result is the mean of
//
//   - S / min(|a|, |b|): the shorter name is contained in the longer one
//     ("Petr Ivanov" in "Иванов Пётр Сергеевич"), and
//   - 2S / (|a| + |b|): the Dice coefficient, which stops a lone shared
//     first name from scoring like a full match.
//
// So "Иванов Пётр Сергеевич" vs "Petr Ivanov" is 0.9, "Иван" vs "Иван
// Петров" 0.83 and "Иванов Пётр" vs "Сидоров Иван" about 0.4. A name
// without tokens scores 0 against anything.
func NameSimilarity(a, b string) float64 {
	return tokenSetSimilarity(NameTokens(a), NameTokens(b))
}

// tokenSetSimilarity is NameSimilarity on already tokenized names.
func tokenSetSimilarity(ta, tb []string) float64 {
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	type pair struct {
		i, j  int
		score float64
	}
	pairs := make([]pair, 0, len(ta)*len(tb))
	for i, x := range ta {
		for j, y := range tb {
			if s := tokenSimilarity(x, y); s >= minTokenSimilarity {
				pairs = append(pairs, pair{i, j, s})
			}
		}
	}
	// Best first; ties broken by position so the result is deterministic.
	slices.SortFunc(pairs, func(p, q pair) int {
		switch {
		case p.score > q.score:
			return -1
		case p.score < q.score:
			return 1
		case p.i != q.i:
			return p.i - q.i
		}
		return p.j - q.j
	})
	usedA := make([]bool, len(ta))
	usedB := make([]bool, len(tb))
	sum := 0.0
	for _, p := range pairs {
		if usedA[p.i] || usedB[p.j] {
			continue
		}
		usedA[p.i], usedB[p.j] = true, true
		sum += p.score
	}
	overlap := sum / float64(min(len(ta), len(tb)))
	dice := 2 * sum / float64(len(ta)+len(tb))
	return clamp01((overlap + dice) / 2)
}

// tokenSimilarity is the mean of Jaro-Winkler and trigram Dice similarity.
// Jaro-Winkler alone rewards a shared prefix so much that a first name and
// the surname built on it ("ivan", "ivanov") look the same; trigrams pull
// that down while still forgiving one-letter spelling differences in long
// tokens ("aleksandr", "aleksander").
func tokenSimilarity(a, b string) float64 {
	if a == b {
		return 1
	}
	return (jaroWinkler(a, b) + trigramDice(a, b)) / 2
}

// jaroWinkler is the Jaro-Winkler similarity of a and b over runes, with
// the usual prefix scale 0.1 and prefix length up to 4.
func jaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	window = max(window, 0)
	matchedA := make([]bool, len(ra))
	matchedB := make([]bool, len(rb))
	m := 0
	for i, r := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !matchedB[j] && rb[j] == r {
				matchedA[i], matchedB[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i, r := range ra {
		if !matchedA[i] {
			continue
		}
		for !matchedB[j] {
			j++
		}
		if r != rb[j] {
			t++
		}
		j++
	}
	mf := float64(m)
	jaro := (mf/float64(len(ra)) + mf/float64(len(rb)) + (mf-float64(t)/2)/mf) / 3
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// trigramDice is the Dice coefficient of the rune trigrams of a and b,
// padded with two spaces in front and one behind so that short tokens and
// word starts weigh in.
func trigramDice(a, b string) float64 {
	ga, gb := trigrams(a), trigrams(b)
	if len(ga) == 0 || len(gb) == 0 {
		return 0
	}
	counts := make(map[[3]rune]int, len(ga))
	for _, g := range ga {
		counts[g]++
	}
	common := 0
	for _, g := range gb {
		if counts[g] > 0 {
			counts[g]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(ga)+len(gb))
}

// trigrams lists the padded rune trigrams of s.
func trigrams(s string) [][3]rune {
	if s == "" {
		return nil
	}
	r := make([]rune, 0, utf8.RuneCountInString(s)+3)
	r = append(r, ' ', ' ')
	r = append(r, []rune(s)...)
	r = append(r, ' ')
	out := make([][3]rune, 0, len(r)-2)
	for i := 0; i+3 <= len(r); i++ {
		out = append(out, [3]rune{r[i], r[i+1], r[i+2]})
	}
	return out
}

// clamp01 keeps rounding error from leaving [0, 1].
func clamp01(x float64) float64 {
	return min(1, max(0, x))
}
