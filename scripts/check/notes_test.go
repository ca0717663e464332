package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// Every check sends a learner to a section of the notes: the section must
// exist. The anchors are the ones GitHub makes from headings.
func TestLearnLinksNameRealSections(t *testing.T) {
	anchors := map[string]bool{}
	files, err := filepath.Glob("../../notes/0*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no notes found: %v", err)
	}
	for _, file := range files {
		for _, a := range headingAnchors(t, file) {
			anchors["notes/"+filepath.Base(file)+"#"+a] = true
		}
	}
	for _, st := range stages() {
		for _, c := range st.checks {
			if !anchors[c.learn] {
				t.Errorf("%s: %s is not a heading of the notes", c.id(), c.learn)
			}
		}
	}
}

// headingAnchors lists the anchors of a Markdown file's headings, skipping
// fenced blocks (whose lines may start with # too).
func headingAnchors(t *testing.T, file string) []string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var anchors []string
	fenced := false
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		a := slug(strings.TrimLeft(line, "# "))
		if n := seen[a]; n > 0 {
			seen[a]++
			a += "-" + string(rune('0'+n))
		} else {
			seen[a] = 1
		}
		anchors = append(anchors, a)
	}
	return anchors
}

// slug is GitHub's heading anchor: lower case, spaces to hyphens, and
// every character that is not a letter, a digit, a hyphen or an
// underscore dropped.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
