package main

import (
	"regexp"
	"sort"
	"strings"
)

// Ellipsis marks what varies from run to run. Inside a line it stands for
// any text (a port, a pid, a time); a line that is only an ellipsis stands
// for any number of lines, none included.
const ellipsis = "…"

// matchLines reports whether got fits want, and if not, the first line of
// want that could not be matched (an index into want) for the report.
func matchLines(want, got []string) (bool, int) {
	want, got = trimTrailingBlank(want), trimTrailingBlank(got)
	patterns := make([]*regexp.Regexp, len(want))
	for i, w := range want {
		if strings.TrimSpace(w) != ellipsis {
			patterns[i] = linePattern(w)
		}
	}
	// memo[i][j]: does want[i:] match got[j:]? Computed from the end.
	memo := make([][]int8, len(want)+1)
	for i := range memo {
		memo[i] = make([]int8, len(got)+1)
	}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		if memo[i][j] != 0 {
			return memo[i][j] > 0
		}
		ok := false
		switch {
		case i == len(want):
			ok = j == len(got)
		case patterns[i] == nil: // a whole-line ellipsis: skip zero or more lines
			ok = match(i+1, j) || (j < len(got) && match(i, j+1))
		default:
			ok = j < len(got) && patterns[i].MatchString(got[j]) && match(i+1, j+1)
		}
		memo[i][j] = -1
		if ok {
			memo[i][j] = 1
		}
		return ok
	}
	if match(0, 0) {
		return true, -1
	}
	return false, firstMismatch(patterns, got)
}

// firstMismatch walks want and got side by side and returns the first want
// line that fails, which is where a reader should look.
func firstMismatch(patterns []*regexp.Regexp, got []string) int {
	j := 0
	for i, p := range patterns {
		if p == nil {
			return i + 1
		}
		if j >= len(got) || !p.MatchString(got[j]) {
			return i
		}
		j++
	}
	return len(patterns)
}

func linePattern(want string) *regexp.Regexp {
	parts := strings.Split(strings.TrimRight(want, " \t"), ellipsis)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "[ \t]*$")
}

func trimTrailingBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// matchUnordered is for output whose order the note cannot promise (several
// clients at once): every wanted line must match a distinct line of got.
func matchUnordered(want, got []string) (bool, int) {
	want, got = trimTrailingBlank(want), trimTrailingBlank(got)
	if len(want) != len(got) {
		return false, 0
	}
	sortedGot := append([]string(nil), got...)
	sort.Strings(sortedGot)
	used := make([]bool, len(sortedGot))
	for i, w := range want {
		p, found := linePattern(w), false
		for j, g := range sortedGot {
			if !used[j] && p.MatchString(g) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false, i
		}
	}
	return true, -1
}
