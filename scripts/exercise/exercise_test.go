package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `package p

import (
	"bytes"
	"strconv"
)

func f(b []byte) int {
	// exercise 9.1 begin: find it
	return bytes.IndexByte(b, 'x')
	// exercise 9.1 end
}

func g(n int) string {
	switch n {
	case 1:
		// exercise 9.2 begin: one
		return strconv.Itoa(n)
		// exercise 9.2 end
	default:
		return ""
	}
}
`

var sampleInfo = map[string]exercise{
	"9.1": {id: "9.1", title: "finding", note: "notes/x.md#a", pkg: ".", tests: "TestF", hint: "Look."},
	"9.2": {id: "9.2", title: "one", note: "notes/x.md#b", pkg: ".", tests: "TestG", hint: "Count."},
}

func TestStubReplacesTheRegionAndDropsImportsLeftUnused(t *testing.T) {
	out, regions, err := stubFile("p.go", []byte(sample), map[string]bool{"9.1": true}, sampleInfo)
	if err != nil {
		t.Fatal(err)
	}
	if len(regions) != 2 || regions[0].id != "9.1" || regions[1].title != "one" {
		t.Fatalf("regions %+v", regions)
	}
	got := string(out)
	for _, want := range []string{
		`panic("exercise 9.1 is not written yet (finding: find it); see notes/x.md#a")`,
		"//\tgo test -run 'TestF' .",
		"// exercise 9.2 begin: one", // not stubbed: kept as it is
		`"strconv"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("skeleton lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"bytes"`) || strings.Contains(got, "IndexByte") {
		t.Errorf("the stubbed code or its import is still there:\n%s", got)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "p.go", out, 0); err != nil {
		t.Fatalf("the skeleton does not parse: %v\n%s", err, got)
	}
}

func TestStubInsideACaseClause(t *testing.T) {
	out, _, err := stubFile("p.go", []byte(sample), map[string]bool{"9.2": true}, sampleInfo)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), `"strconv"`) || !strings.Contains(string(out), "\t\tpanic(\"exercise 9.2") {
		t.Fatalf("case clause not stubbed in place:\n%s", out)
	}
}

func TestNothingToStubLeavesTheFileAlone(t *testing.T) {
	out, _, err := stubFile("p.go", []byte(sample), nil, sampleInfo)
	if err != nil || string(out) != sample {
		t.Fatalf("err %v, changed:\n%s", err, out)
	}
}

func TestBadMarkersAreRefused(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"never ends", "func f() {\n\t// exercise 9.1 begin: x\n\treturn\n}\n", "never ends"},
		{"ends without a begin", "func f() {\n\treturn\n\t// exercise 9.1 end\n}\n", "never began"},
		{"nested", "func f() {\n\t// exercise 9.1 begin: x\n\t// exercise 9.2 begin: y\n\t// exercise 9.2 end\n\t// exercise 9.1 end\n}\n", "begins inside"},
		{"code after it in its block", "func f() {\n\t// exercise 9.1 begin: x\n\tg()\n\t// exercise 9.1 end\n\th()\n}\n", "must end its block"},
		{"misspelt", "func f() {\n\t// exercise 9.1 begins: x\n}\n", "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := findRegions("p.go", strings.Split(tt.src, "\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestSlugsAreTheForgesAnchors(t *testing.T) {
	tests := map[string]string{
		"When the client does not read: EAGAIN on write, and EPOLLOUT": "when-the-client-does-not-read-eagain-on-write-and-epollout",
		"Framing: Content-Length and Transfer-Encoding":                "framing-content-length-and-transfer-encoding",
		"The 8 KiB limit and 431":                                      "the-8-kib-limit-and-431",
		"A declared size is a promise, not a fact":                     "a-declared-size-is-a-promise-not-a-fact",
	}
	for heading, want := range tests {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
	note := "# T\n\n```console\n## not a heading\n```\n\n## A heading\n"
	if hasAnchor(note, "not-a-heading") || !hasAnchor(note, "a-heading") {
		t.Fatal("a line in a code fence was taken for a heading, or a heading was missed")
	}
}

// TestEveryExerciseHasItsMarkersAndItsSection checks the course itself,
// quickly: each exercise of the table is marked in its step's code, each
// marked region is in the table, every skeleton file still parses, and
// every note section named exists. -verify (scripts/test.sh) does the
// slow part, building and running the skeletons.
func TestEveryExerciseHasItsMarkersAndItsSection(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkNoteAnchors(root); err != nil {
		t.Fatal(err)
	}
	for _, step := range stepOrder {
		info := map[string]exercise{}
		all := map[string]bool{}
		for _, e := range exercisesOf(step) {
			info[e.id], all[e.id] = e, true
		}
		found := map[string]bool{}
		err := filepath.WalkDir(filepath.Join(root, step), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out, regions, err := stubFile(path, src, all, info)
			if err != nil {
				return err
			}
			for _, r := range regions {
				found[r.id] = true
			}
			_, err = parser.ParseFile(token.NewFileSet(), path, out, 0)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for id := range info {
			if !found[id] {
				t.Errorf("exercise %s has no markers in %s", id, step)
			}
		}
		if len(info) < 3 {
			t.Errorf("%s has %d exercises; the course promises at least three a step", step, len(info))
		}
	}
}
