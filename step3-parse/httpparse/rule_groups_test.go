package httpparse

import (
	"reflect"
	"testing"
)

// The rules of rules_test.go, grouped by the part of the parser each group
// pins, so that one part can be checked alone: the skeletons of
// scripts/exercise.sh stub these parts out, and each exercise names the
// group that turns green when its part is written. Each rule of a group is
// parsed whole, then cut in two at every byte, as in
// TestSplitFeedingGivesTheSameResult.

func TestFieldLineRules(t *testing.T) {
	checkRules(t, []string{
		"optional whitespace is trimmed",
		"obs-text is allowed in values",
		"bare LF ends head lines",
		"CRLF and LF mixed in the head",
		"exactly the header limit",
		"space before the colon",
		"tab before the colon",
		"a line without a colon",
		"an empty field name",
		"a non-token field name",
		"NUL in a value",
		"bare CR in a value",
		"a control byte in a value",
		"DEL in a value",
		"head over the limit",
	})
}

func TestContentLengthRules(t *testing.T) {
	checkRules(t, []string{
		"Content-Length",
		"Content-Length 0 and leading zeros",
		"Content-Length at the body limit",
		"names keep their case and are matched without it",
		"a negative Content-Length",
		"a signed Content-Length",
		"a hex Content-Length",
		"an empty Content-Length",
		"a Content-Length over the limit",
		"a one-digit Content-Length over a tiny limit",
		"a Content-Length that overflows",
	})
}

func TestChunkSizeRules(t *testing.T) {
	checkRules(t, []string{
		"chunked",
		"chunk sizes in upper and lower hex, with zeros",
		"chunk extensions are ignored",
		"a chunk without a size",
		"a chunk size that is not hex",
		"a chunk size too long",
		"bare LF after the size",
		"bare CR after the size",
		"an extension without ';'",
		"chunks over the body limit",
	})
}

// checkRules runs the named cases of validCases and invalidCases.
func checkRules(t *testing.T, names []string) {
	t.Helper()
	for _, name := range names {
		in, limits, check := findRule(t, name)
		t.Run(name, func(t *testing.T) {
			got := whole(limits, in)
			check(t, got)
			for k := 1; k < len(in); k++ {
				if split := splitAt(limits, in, k, true); !reflect.DeepEqual(split, got) {
					t.Fatalf("cut at byte %d:\n%v\nwhole:\n%v", k, split, got)
				}
			}
		})
	}
}

// findRule returns a rule's input, its limits and the check of its outcome.
func findRule(t *testing.T, name string) (string, Limits, func(*testing.T, outcome)) {
	t.Helper()
	limitsOf := func(l *Limits) Limits {
		if l == nil {
			return DefaultLimits()
		}
		return *l
	}
	for _, c := range validCases {
		if c.name == name {
			return c.in, limitsOf(c.limit), func(t *testing.T, got outcome) {
				if got.Err != nil {
					t.Fatalf("rejected: %v", got)
				}
				var sums []string
				for _, m := range got.Messages {
					sums = append(sums, summary(m))
				}
				if !reflect.DeepEqual(sums, c.want) {
					t.Fatalf("got %q, want %q", sums, c.want)
				}
			}
		}
	}
	for _, c := range invalidCases {
		if c.name == name {
			return c.in, limitsOf(c.limit), func(t *testing.T, got outcome) {
				switch {
				case got.Err == nil:
					t.Fatalf("accepted, want %d:\n%v", c.status, got)
				case got.Err.Status != c.status || (c.offset >= 0 && got.Err.Offset != c.offset):
					t.Fatalf("error %d %q at %d, want %d at %d", got.Err.Status, got.Err.Reason, got.Err.Offset, c.status, c.offset)
				}
			}
		}
	}
	t.Fatalf("no rule named %q in rules_test.go", name)
	return "", Limits{}, nil
}
