package validate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text checks text a user writes for others to read (a comment, a message): 1 to max characters
// (not bytes) of valid UTF-8, not only white space, with no control character but newline and
// tab (a multi-line text stays valid) and no bidirectional embedding, override or isolate control
// (U+202A..U+202E, U+2066..U+2069), which can make the text that follows display reversed. The
// marks U+200E, U+200F and U+061C, which only nudge the direction of neutral characters, and the
// joiners emoji sequences need are accepted. Anything else is kept verbatim: markup is text.
//
// The error says what is wrong, in words that follow the field's name ("comment_text is empty or
// only spaces"); each service answers it with its own code.
func Text(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return errors.New("is empty or only spaces")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("is longer than %d characters", max)
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case unicode.IsControl(r): // C0, DEL and C1
			return fmt.Errorf("holds the control character %U (only newline and tab are allowed)", r)
		case BidiControl(r):
			return fmt.Errorf("holds the bidirectional control character %U", r)
		}
	}
	return nil
}

// BidiControl reports whether r is a bidirectional embedding, override or isolate control: text
// after one displays in an order other than the one it is stored in.
func BidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}
