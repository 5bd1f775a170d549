package validate

import (
	"fmt"
	"strings"
	"testing"
)

func TestTextAccepts(t *testing.T) {
	for _, s := range []string{
		"a",
		"two\nlines\twith a tab",
		"<b>markup</b> & &amp;",
		"👨\u200d👩\u200d👧 joined emoji, zero-width non-joiner: می\u200cخواهم",
		"עברית \u200f(marks) \u200e and العربية \u061c",
		strings.Repeat("字", 10),
	} {
		if err := Text(s, 80); err != nil {
			t.Fatalf("Text(%q) = %v", s, err)
		}
	}
}

func TestTextRefuses(t *testing.T) {
	cases := map[string]string{
		"":                      "is empty or only spaces",
		" \n\t\u3000":           "is empty or only spaces",
		"ok\xff":                "is not valid UTF-8",
		strings.Repeat("字", 11): "is longer than 10 characters",
		"a\x00":                 "holds the control character U+0000 (only newline and tab are allowed)",
		"a\rb":                  "holds the control character U+000D (only newline and tab are allowed)",
		"\x1b[31mred":           "holds the control character U+001B (only newline and tab are allowed)",
		"a\x7f":                 "holds the control character U+007F (only newline and tab are allowed)",
		"a\u0085b":              "holds the control character U+0085 (only newline and tab are allowed)",
		"a\u009fb":              "holds the control character U+009F (only newline and tab are allowed)",
	}
	for r := '\u202A'; r <= '\u202E'; r++ {
		cases["x"+string(r)+"y"] = fmt.Sprintf("holds the bidirectional control character %U", r)
	}
	for r := '\u2066'; r <= '\u2069'; r++ {
		cases["x"+string(r)+"y"] = fmt.Sprintf("holds the bidirectional control character %U", r)
	}
	for s, want := range cases {
		if err := Text(s, 10); err == nil || err.Error() != want {
			t.Fatalf("Text(%q) = %v; want %q", s, err, want)
		}
	}
}
