package assignor

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// re2jError is an error RE2/J finds where Go's parser does not: its
// description and where in the expression RE2/J stops.
type re2jError struct {
	desc string
	at   int
}

// toGoSyntax reads expr as RE2/J 1.8's parser does and rewrites what RE2/J
// accepts and Go's parser does not into equivalent Go syntax:
//
//   - a backslash before a non-ASCII character (RE2/J takes any escaped
//     non-alphanumeric character as itself, Go only ASCII punctuation) is
//     dropped;
//   - the scripts whose names have an underscore (\p{Old_Italic}), which Go
//     1.26's parser does not find, become explicit classes from Go's tables.
//
// It also returns the first error RE2/J finds and Go does not, if any: a
// \p or \P class whose name RE2/J does not know; a \p or \P class as the
// end of a range ([a-\p{Greek}]); a literal { (one that does not start a
// repeat) followed by a repetition operator, which RE2/J takes for a
// repeated repetition; a second capture group of the same name.
func toGoSyntax(expr string) (rewritten string, own re2jError) {
	g := &goSyntax{expr: expr}
	for i := 0; i < len(expr); {
		i = g.item(i)
	}
	if g.copied == 0 {
		return expr, g.own
	}
	g.b.WriteString(expr[g.copied:])
	return g.b.String(), g.own
}

// goSyntax is toGoSyntax's state.
type goSyntax struct {
	expr   string
	b      strings.Builder // the rewritten expr[:copied]
	copied int
	own    re2jError
	names  map[string]bool // capture group names so far
}

// replace writes expr[copied:from] and then with in place of
// expr[from:to].
func (g *goSyntax) replace(from, to int, with string) {
	g.b.WriteString(g.expr[g.copied:from])
	g.b.WriteString(with)
	g.copied = to
}

func (g *goSyntax) fail(at int, desc string) {
	if g.own.desc == "" {
		g.own = re2jError{desc, at}
	}
}

// item reads the item at i outside a class and returns where the next one
// starts.
func (g *goSyntax) item(i int) int {
	s := g.expr[i:]
	switch {
	case strings.HasPrefix(s, `\Q`): // literal text up to \E or the end
		if end := strings.Index(s[2:], `\E`); end >= 0 {
			return i + 2 + end + 2
		}
		return len(g.expr)
	case strings.HasPrefix(s, `\p`), strings.HasPrefix(s, `\P`):
		return g.unicodeClass(i, false)
	case s[0] == '\\':
		return g.escape(i)
	case s[0] == '[':
		return g.class(i)
	case s[0] == '{':
		if n := repeatLen(s); n > 0 {
			return i + n
		}
		if next := s[1:]; next != "" && (strings.IndexByte("*+?", next[0]) >= 0 || validRepeat(next)) {
			g.fail(i+1, string(syntax.ErrInvalidRepeatOp))
		}
	case s[0] == '(':
		if name, ok := captureNameAt(s); ok {
			if g.names[name] {
				g.fail(i, "duplicate capture group name")
			}
			if g.names == nil {
				g.names = map[string]bool{}
			}
			g.names[name] = true
		}
	}
	return i + 1
}

// class reads the character class at i and returns where it ends.
func (g *goSyntax) class(i int) int {
	j := i + 1
	if strings.HasPrefix(g.expr[j:], "^") {
		j++
	}
	for first := true; j < len(g.expr); first = false {
		s := g.expr[j:]
		switch {
		case s[0] == ']' && !first:
			return j + 1
		case strings.HasPrefix(s, "[:") && strings.Contains(s[2:], ":]"):
			j += 2 + strings.Index(s[2:], ":]") + 2 // [:alpha:]
			continue
		case strings.HasPrefix(s, `\p`), strings.HasPrefix(s, `\P`):
			j = g.unicodeClass(j, true)
			continue
		case len(s) >= 2 && s[0] == '\\' && strings.IndexByte("dDsSwW", s[1]) >= 0:
			j += 2
			continue
		}
		// A character, or a range of two.
		j = g.classChar(j)
		if rest := g.expr[j:]; len(rest) >= 2 && rest[0] == '-' && rest[1] != ']' {
			j++
			if strings.HasPrefix(rest[1:], `\p`) || strings.HasPrefix(rest[1:], `\P`) {
				g.fail(j, string(syntax.ErrInvalidEscape))
			}
			j = g.classChar(j)
		}
	}
	return len(g.expr)
}

// classChar reads the character at j in a class and returns its end.
func (g *goSyntax) classChar(j int) int {
	if g.expr[j] == '\\' {
		return g.escape(j)
	}
	_, n := utf8.DecodeRuneInString(g.expr[j:])
	return j + n
}

// escape reads the escape sequence at i (not \p, \P or \Q) and returns its
// end, dropping the backslash before a non-ASCII character.
func (g *goSyntax) escape(i int) int {
	s := g.expr[i:]
	if len(s) < 2 {
		return len(g.expr)
	}
	switch c := s[1]; {
	case c >= utf8.RuneSelf:
		_, n := utf8.DecodeRuneInString(s[1:])
		g.replace(i, i+1, "")
		return i + 1 + n
	case c == 'x' && strings.HasPrefix(s[2:], "{"):
		if end := strings.IndexByte(s, '}'); end >= 0 {
			return i + end + 1
		}
		return len(g.expr)
	case c == 'x':
		return i + min(len(s), 4)
	case '0' <= c && c <= '7':
		n := 2
		for n < 4 && n < len(s) && '0' <= s[n] && s[n] <= '7' {
			n++
		}
		return i + n
	}
	return i + 2
}

// unicodeClass reads the \p or \P class at i and returns its end, spelling
// out a script Go cannot name.
func (g *goSyntax) unicodeClass(i int, inClass bool) int {
	name, n := classNameAt(g.expr[i+2:])
	end := i + 2 + n
	negated := g.expr[i+1] == 'P'
	if strings.HasPrefix(name, "^") {
		name, negated = name[1:], !negated
	}
	switch {
	case !isRE2JClass(name):
		g.fail(i, string(syntax.ErrInvalidCharRange))
	case strings.Contains(name, "_"):
		body := scriptClassBody(name, negated)
		if !inClass {
			body = "[" + body + "]"
		}
		g.replace(i, end, body)
	}
	return end
}

// captureNameAt returns the name of the named group (?P<name> or (?<name>
// that s starts with.
func captureNameAt(s string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(s, "(?P<"):
		rest = s[4:]
	case strings.HasPrefix(s, "(?<"):
		rest = s[3:]
	default:
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end <= 0 {
		return "", false
	}
	return rest[:end], true
}

// repeatLen returns the length of the repeat {n}, {n,} or {n,m} that s
// starts with, or 0 if s does not start with one (then { is a literal).
// Numbers are decimal without leading zeros.
func repeatLen(s string) int {
	number := func(i int) int { // the end of the number at s[i:], or -1
		j := i
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if j == i || (j-i > 1 && s[i] == '0') {
			return -1
		}
		return j
	}
	if !strings.HasPrefix(s, "{") {
		return 0
	}
	i := number(1)
	if i < 0 {
		return 0
	}
	if strings.HasPrefix(s[i:], ",") {
		i++
		if !strings.HasPrefix(s[i:], "}") {
			if i = number(i); i < 0 {
				return 0
			}
		}
	}
	if !strings.HasPrefix(s[i:], "}") {
		return 0
	}
	return i + 1
}

// validRepeat reports whether s starts with a repeat whose counts are in
// range (RE2/J checks them before it looks for a repetition before it).
func validRepeat(s string) bool {
	n := repeatLen(s)
	if n == 0 {
		return false
	}
	_, err := syntax.Parse("x"+s[:n], syntax.Perl)
	return err == nil
}

// classNameAt returns the name of the class whose \p or \P precedes s, and
// its length in s: a braced name or a single character.
func classNameAt(s string) (name string, n int) {
	if strings.HasPrefix(s, "{") {
		if end := strings.IndexByte(s, '}'); end >= 0 {
			return s[1:end], end + 1
		}
		return s, len(s)
	}
	_, n = utf8.DecodeRuneInString(s)
	return s[:n], n
}

// scriptClassBody returns the inside of a character class matching the
// script's characters, or all the others if negated.
func scriptClassBody(name string, negated bool) string {
	var ranges [][2]rune
	add := func(lo, hi rune) {
		if k := len(ranges); k > 0 && ranges[k-1][1]+1 >= lo {
			ranges[k-1][1] = max(ranges[k-1][1], hi)
			return
		}
		ranges = append(ranges, [2]rune{lo, hi})
	}
	table := unicode.Scripts[name]
	for _, r := range table.R16 {
		for lo := rune(r.Lo); lo <= rune(r.Hi); lo += rune(r.Stride) {
			hi := lo
			if r.Stride == 1 {
				hi = rune(r.Hi)
			}
			add(lo, hi)
		}
	}
	for _, r := range table.R32 {
		for lo := rune(r.Lo); lo <= rune(r.Hi); lo += rune(r.Stride) {
			hi := lo
			if r.Stride == 1 {
				hi = rune(r.Hi)
			}
			add(lo, hi)
		}
	}
	if negated {
		var inverse [][2]rune
		next := rune(0)
		for _, r := range ranges {
			if r[0] > next {
				inverse = append(inverse, [2]rune{next, r[0] - 1})
			}
			next = r[1] + 1
		}
		if next <= unicode.MaxRune {
			inverse = append(inverse, [2]rune{next, unicode.MaxRune})
		}
		ranges = inverse
	}
	var b strings.Builder
	for _, r := range ranges {
		fmt.Fprintf(&b, `\x{%X}-\x{%X}`, r[0], r[1])
	}
	return b.String()
}

// isRE2JClass reports whether RE2/J 1.8 accepts name in \p{...}: Any, a
// general category or a script of its Unicode 6.0 tables, spelt exactly.
func isRE2JClass(name string) bool {
	switch name {
	case "Any",
		"C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu",
		"M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
		"P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps",
		"S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
		"Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Batak",
		"Bengali", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid",
		"Canadian_Aboriginal", "Carian", "Cham", "Cherokee", "Common",
		"Coptic", "Cuneiform", "Cypriot", "Cyrillic", "Deseret", "Devanagari",
		"Egyptian_Hieroglyphs", "Ethiopic", "Georgian", "Glagolitic", "Gothic",
		"Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hanunoo", "Hebrew",
		"Hiragana", "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi",
		"Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada", "Katakana",
		"Kayah_Li", "Kharoshthi", "Khmer", "Lao", "Latin", "Lepcha", "Limbu",
		"Linear_B", "Lisu", "Lycian", "Lydian", "Malayalam", "Mandaic",
		"Meetei_Mayek", "Mongolian", "Myanmar", "New_Tai_Lue", "Nko", "Ogham",
		"Ol_Chiki", "Old_Italic", "Old_Persian", "Old_South_Arabian",
		"Old_Turkic", "Oriya", "Osmanya", "Phags_Pa", "Phoenician", "Rejang",
		"Runic", "Samaritan", "Saurashtra", "Shavian", "Sinhala", "Sundanese",
		"Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham",
		"Tai_Viet", "Tamil", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh",
		"Ugaritic", "Unknown", "Vai", "Yi":
		return true
	}
	return false
}
