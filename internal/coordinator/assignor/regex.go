package assignor

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// TopicRegex is a compiled SubscribedTopicRegex (KIP-848).
//
// Kafka compiles the member's expression with RE2/J 1.8
// (com.google.re2j.Pattern.compile, flags 0) and resolves it against every
// topic name in the metadata image with Matcher.matches(): the whole name
// must match, so "orders" names the topic orders only and "orders.*" every
// topic whose name starts with orders. RE2/J is a port of Go's regexp/syntax
// with the same Perl flags, so Go's parser reads the same language, except
// for these differences, which toGoSyntax (re2j.go) bridges:
//
//   - Unicode classes: RE2/J knows \p{Any}, the general categories and the
//     scripts of Unicode 6.0, by their exact names. Go knows later scripts
//     (\p{Adlam}), case and underscore variants (\p{greek}), long category
//     names (\p{Letter}) and \p{ASCII}, \p{Assigned}: rejected here as in
//     RE2/J. Go 1.26 does not find the scripts whose names have an
//     underscore (\p{Old_Italic}), which RE2/J accepts: spelt out as
//     explicit classes from Go's tables.
//   - Escapes: RE2/J takes a backslash before any non-ASCII character as
//     that character (\é is é); Go rejects it. Rewritten to the character.
//   - Braces: RE2/J marks a { that does not start a repeat (a{,2}, a{x)
//     as a repetition although it reads it as a literal, so a repetition
//     operator right after it is "invalid nested repetition operator" (a{*);
//     Go takes both as literals. Rejected here.
//   - Capture names: RE2/J rejects two groups of the same name; Go allows
//     them. Rejected here.
//   - Error descriptions: where both reject an expression, the description
//     is the one RE2/J gives (its first error; "regexp/syntax: internal
//     error" for an unmatched ")").
//   - Encoding: Kafka decodes the request's string as UTF-8 with replacement
//     characters, so invalid UTF-8 is replaced by U+FFFD before compiling
//     rather than rejected.
//   - Limits: Go rejects expressions nested more than 1000 deep or whose
//     program would exceed its size limits ("expression nests too deeply",
//     "expression too large"), which RE2/J compiles. They stay rejected:
//     no topic name needs one, and they cost memory (RE2/J can take minutes
//     or run out of memory on such an expression, and on (?i)[a-\uFFFD],
//     which Go compiles at once).
//
// testdata/re2j/verdicts.txt holds RE2/J's own verdicts on 800 expressions,
// 500 of them ones Go's parser alone judges otherwise, and the tests check
// that CompileTopicRegex agrees with every one: valid or not, the error's
// description, and which topic names match.
//
// Constructs of java.util.regex that RE2 lacks are rejected by both:
// lookaround ((?=, (?!, (?<=, (?<!), backreferences (\1), possessive
// quantifiers (a*+), atomic groups ((?>), \G, \Z, \R, \X, \h, \e, \cX,
// \uXXXX, the x, u and d flags, and Java's \p{javaLowerCase},
// \p{IsAlphabetic}, \p{InGreek} and \p{Lower} classes.
//
// Kafka does not leave internal topics out: "__.*" or ".*" match
// __consumer_offsets (only a DESCRIBE ACL filters what a regex resolves to).
// Resolve does the same; a caller that wants to hide them filters the names
// it passes.
type TopicRegex struct {
	expr string
	re   *regexp.Regexp
}

// CompileTopicRegex compiles a SubscribedTopicRegex as Kafka does, or
// returns a *RegexError, which matches ErrInvalidRegularExpression. Kafka
// treats an empty SubscribedTopicRegex as no regex and never compiles it;
// compiled, "" matches no topic.
func CompileTopicRegex(expr string) (*TopicRegex, error) {
	clean := strings.ToValidUTF8(expr, "\uFFFD")
	source, own := toGoSyntax(clean)
	re, err := regexp.Compile(source)
	switch {
	case err != nil:
		desc := goErrorDescription(err)
		if own.desc != "" && !failsInGo(clean[:own.at]) {
			desc = own.desc // RE2/J stops at its own error first
		}
		return nil, &RegexError{Expr: expr, Description: desc}
	case own.desc != "":
		return nil, &RegexError{Expr: expr, Description: own.desc}
	}
	// Leftmost-longest: if the name matches as a whole, the leftmost
	// match starts at 0 and the longest one from there spans it all.
	re.Longest()
	return &TopicRegex{expr: expr, re: re}, nil
}

// goErrorDescription returns the description of a Go compile error in
// RE2/J's words.
func goErrorDescription(err error) string {
	var serr *syntax.Error
	if !errors.As(err, &serr) {
		return err.Error()
	}
	if serr.Code == syntax.ErrUnexpectedParen {
		return "regexp/syntax: internal error" // RE2/J's stack underflow
	}
	return string(serr.Code)
}

// failsInGo reports whether Go's parser finds an error in prefix, an
// expression cut at the start of a token, before its end: errors that only
// say the expression ended too soon do not count.
func failsInGo(prefix string) bool {
	source, _ := toGoSyntax(prefix)
	_, err := syntax.Parse(source, syntax.Perl)
	var serr *syntax.Error
	if !errors.As(err, &serr) {
		return err != nil
	}
	switch serr.Code {
	case syntax.ErrMissingParen, syntax.ErrMissingBracket, syntax.ErrTrailingBackslash:
		return false
	}
	return true
}

// String returns the expression as given.
func (r *TopicRegex) String() string { return r.expr }

// Match reports whether the whole topic name matches, as RE2/J's
// Matcher.matches() does.
func (r *TopicRegex) Match(topic string) bool {
	loc := r.re.FindStringIndex(topic)
	return loc != nil && loc[0] == 0 && loc[1] == len(topic)
}

// Resolve returns the topics that match, sorted and without repeats.
func (r *TopicRegex) Resolve(topics []string) []string {
	var out []string
	for _, t := range topics {
		if r.Match(t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
