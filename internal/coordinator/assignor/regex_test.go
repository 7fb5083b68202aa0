package assignor

import (
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestCompileTopicRegexValidity(t *testing.T) {
	for _, tc := range []struct {
		expr string
		desc string // RE2/J's description of the error, "" if valid
	}{
		// Java constructs RE2/J rejects.
		{`(?=foo).*`, "invalid or unsupported Perl syntax"},    // lookahead
		{`(?!foo).*`, "invalid or unsupported Perl syntax"},    // negative lookahead
		{`(?<=a)b`, "invalid named capture"},                   // lookbehind
		{`(?<!a)b`, "invalid named capture"},                   // negative lookbehind
		{`(a)\1`, "invalid escape sequence"},                   // backreference
		{`a*+`, "invalid nested repetition operator"},          // possessive
		{`a++`, "invalid nested repetition operator"},          // possessive
		{`(?>a)`, "invalid or unsupported Perl syntax"},        // atomic group
		{`a\Z`, "invalid escape sequence"},                     // end before final newline
		{`\Ga`, "invalid escape sequence"},                     // end of previous match
		{`\h`, "invalid escape sequence"},                      // horizontal space
		{`\R`, "invalid escape sequence"},                      // line break
		{`\X`, "invalid escape sequence"},                      // grapheme
		{`\e`, "invalid escape sequence"},                      // escape character
		{`\cA`, "invalid escape sequence"},                     // control character
		{`\u0041`, "invalid escape sequence"},                  // UTF-16 escape
		{`(?x)a b`, "invalid or unsupported Perl syntax"},      // comments flag
		{`(?u)a`, "invalid or unsupported Perl syntax"},        // Unicode case flag
		{`(?'n'a)`, "invalid or unsupported Perl syntax"},      // .NET named group
		{`\p{javaLowerCase}`, "invalid character class range"}, // Java class
		{`\p{IsAlphabetic}`, "invalid character class range"},
		{`\p{InGreek}`, "invalid character class range"},
		{`\p{Lower}`, "invalid character class range"},
		// Classes Go knows and RE2/J does not.
		{`\p{greek}`, "invalid character class range"},
		{`\p{Letter}`, "invalid character class range"},
		{`\p{Adlam}`, "invalid character class range"}, // Unicode 9
		{`\p{ASCII}`, "invalid character class range"},
		{`\p{Assigned}`, "invalid character class range"},
		{`\p{LC}`, "invalid character class range"},
		{`\p{Cn}`, "invalid character class range"},
		{`[a\p{Letter}]`, "invalid character class range"},
		{`\pl`, "invalid character class range"},
		{`\p{Old Italic}`, "invalid character class range"},
		// Plain errors.
		{`(`, "missing closing )"},
		{`)`, "regexp/syntax: internal error"}, // RE2/J: stack underflow
		{`[a-`, "missing closing ]"},
		{`[z-a]`, "invalid character class range"},
		{`*a`, "missing argument to repetition operator"},
		{`a{1001}`, "invalid repeat count"},
		{`a{2,1}`, "invalid repeat count"},
		{`\8`, "invalid escape sequence"},
		{`\C`, "invalid escape sequence"},
		{`a**`, "invalid nested repetition operator"},
		{`(?P<a>x)(?P<a>y)`, "duplicate capture group name"},
		{`(?P<a-b>x)`, "invalid named capture"},
		{`x\`, "trailing backslash at end of expression"},
		// Valid in both.
		{`orders.*`, ""},
		{`^orders-[0-9]+$`, ""},
		{`(?i)ORDERS`, ""},
		{`(?P<n>a)|(?<m>b)`, ""},
		{`\p{Greek}\pL\PN\p{^Latin}[\p{Lu}\d]`, ""},
		{`\p{Old_Italic}|\P{Egyptian_Hieroglyphs}|[x\p{Tai_Le}]|[^\P{Linear_B}]`, ""},
		{`\QA.B\E.*`, ""},
		{`\Qa(b`, ""}, // \Q to the end
		{`[[:alpha:]_]+`, ""},
		{`a{,3}`, ""}, // a literal {,3}
		{`\x{41}\0\01\z\A\b`, ""},
		{`[]a]`, ""},
		{``, ""},
		{"\xff.*", ""}, // Kafka decodes invalid UTF-8 as U+FFFD
	} {
		re, err := CompileTopicRegex(tc.expr)
		if tc.desc == "" {
			if err != nil {
				t.Errorf("CompileTopicRegex(%q): %v", tc.expr, err)
			} else if re.String() != tc.expr {
				t.Errorf("String() = %q, want %q", re.String(), tc.expr)
			}
			continue
		}
		var rerr *RegexError
		if !errors.As(err, &rerr) || !errors.Is(err, ErrInvalidRegularExpression) {
			t.Errorf("CompileTopicRegex(%q) = %v, want a RegexError", tc.expr, err)
			continue
		}
		if rerr.Description != tc.desc || rerr.Expr != tc.expr {
			t.Errorf("CompileTopicRegex(%q): %+v, want description %q", tc.expr, rerr, tc.desc)
		}
	}
}

func TestRegexErrorMessage(t *testing.T) {
	_, err := CompileTopicRegex("(")
	if want := "SubscribedTopicRegex `(` is not a valid regular expression: missing closing )."; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// Kafka uses Matcher.matches(): the whole topic name must match, where
// Go's MatchString (and librdkafka's classic regex) find a match anywhere.
func TestTopicRegexMatchesWholeName(t *testing.T) {
	for _, tc := range []struct {
		expr    string
		match   []string
		nomatch []string
	}{
		{`orders`, []string{"orders"}, []string{"orders-v2", "reorders", "Orders"}},
		{`orders.*`, []string{"orders", "orders-v2", "orders.eu"}, []string{"reorders"}},
		{`^orders$`, []string{"orders"}, []string{"orders-v2"}},
		{`.*orders`, []string{"orders", "reorders"}, []string{"orders-v2"}},
		{`topic*`, []string{"topi", "topic", "topicc"}, []string{"topic-1"}},
		{`a|ab`, []string{"a", "ab"}, []string{"abc"}}, // leftmost-first would stop at a
		{`(a|ab)(c|bcd)`, []string{"abcd", "ac", "abc"}, []string{"ab"}},
		{`(?i)orders`, []string{"ORDERS", "Orders"}, []string{"orders1"}},
		{`\p{Lu}+`, []string{"ABC"}, []string{"ABc"}},
		{`\P{Old_Italic}+`, []string{"orders"}, nil},
		{`[^\p{Tai_Le}]+`, []string{"orders"}, nil},
		{`\p{Old_Italic}`, nil, []string{"o"}},
		{`x$`, []string{"x"}, []string{"x\n"}},
		{``, nil, []string{"a"}},
	} {
		re, err := CompileTopicRegex(tc.expr)
		if err != nil {
			t.Fatalf("CompileTopicRegex(%q): %v", tc.expr, err)
		}
		for _, name := range tc.match {
			if !re.Match(name) {
				t.Errorf("%q does not match %q", tc.expr, name)
			}
		}
		for _, name := range tc.nomatch {
			if re.Match(name) {
				t.Errorf("%q matches %q", tc.expr, name)
			}
		}
	}
}

// Internal topics are not left out: Kafka resolves against every topic
// name of the metadata image.
func TestTopicRegexResolve(t *testing.T) {
	topics := []string{"orders", "__consumer_offsets", "payments", "orders-eu", "__transaction_state", "orders"}
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`orders.*`, []string{"orders", "orders-eu"}},
		{`.*`, []string{"__consumer_offsets", "__transaction_state", "orders", "orders-eu", "payments"}},
		{`__.*`, []string{"__consumer_offsets", "__transaction_state"}},
		{`nothing`, nil},
	} {
		re, err := CompileTopicRegex(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.Resolve(topics); !slices.Equal(got, tc.want) {
			t.Errorf("%q resolves to %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// Go refuses what no topic regex needs and RE2/J would compile: deep
// nesting and huge programs. A documented difference.
func TestTopicRegexGoLimits(t *testing.T) {
	deep := strings.Repeat("(", 1001) + "a" + strings.Repeat(")", 1001)
	for _, expr := range []string{deep, `((a{1000}){1000}){1000}`} {
		if _, err := CompileTopicRegex(expr); !errors.Is(err, ErrInvalidRegularExpression) {
			t.Errorf("CompileTopicRegex(%.20q...) = %v, want an error", expr, err)
		}
	}
}

func TestScriptClassBody(t *testing.T) {
	// Old Italic starts at U+10300 and ends at U+1032F.
	if got := scriptClassBody("Old_Italic", false); !strings.HasPrefix(got, `\x{10300}-`) || !strings.HasSuffix(got, `-\x{1032F}`) {
		t.Errorf("Old_Italic: %s", got)
	}
	neg := scriptClassBody("Old_Italic", true)
	if !strings.HasPrefix(neg, `\x{0}-\x{102FF}`) || !strings.HasSuffix(neg, `-\x{10FFFF}`) {
		t.Errorf("negated Old_Italic: %s", neg)
	}
}

func FuzzCompileTopicRegex(f *testing.F) {
	for _, s := range []string{`orders.*`, `\p{Old_Italic}[\P{Tai_Le}]`, `[]\p{Greek}]`, `\Q[\p{Old_Italic}\E`, `[[:alpha:]\p{Linear_B}]`} {
		f.Add(s, "orders")
	}
	f.Fuzz(func(t *testing.T, expr, topic string) {
		re, err := CompileTopicRegex(expr)
		if err != nil {
			if !errors.Is(err, ErrInvalidRegularExpression) {
				t.Fatalf("error %v is not ErrInvalidRegularExpression", err)
			}
			return
		}
		re.Match(topic)
	})
}

// CompileTopicRegex agrees with RE2/J 1.8 itself on testdata/re2j's
// expressions: valid or not (and why), and which names match as a whole.
func TestCompileTopicRegexAgreesWithRE2J(t *testing.T) {
	data, err := os.ReadFile("testdata/re2j/verdicts.txt")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	n := 0
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "# names: "); ok {
			names = strings.Fields(rest)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		raw, err := hex.DecodeString(fields[0])
		if err != nil || len(fields) != 3 {
			t.Fatalf("bad line %q", line)
		}
		expr, want := string(raw), fields[1]
		var got string
		re, err := CompileTopicRegex(expr)
		if err != nil {
			got = "err " + err.(*RegexError).Description
		} else {
			var b strings.Builder
			for _, name := range names {
				if re.Match(name) {
					b.WriteByte('1')
				} else {
					b.WriteByte('0')
				}
			}
			got = "ok " + b.String()
		}
		if got != want {
			t.Errorf("%s: %q, RE2/J %q", fields[2], got, want)
		}
		n++
	}
	if n < 800 || len(names) == 0 {
		t.Fatalf("%d expressions, %d names read", n, len(names))
	}
}
