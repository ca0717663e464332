package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMatchLines(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		ok        bool
	}{
		{"equal", "a\nb", "a\nb", true},
		{"different", "a\nb", "a\nc", false},
		{"ellipsis in a line", "listening on 127.0.0.1:…", "listening on 127.0.0.1:41234", true},
		{"ellipsis line skips lines", "first\n…\nlast", "first\nx\ny\nlast", true},
		{"ellipsis line skips none", "first\n…\nlast", "first\nlast", true},
		{"missing line", "a\nb\nc", "a\nc", false},
		{"extra line", "a", "a\nb", false},
		{"trailing blanks ignored", "a\n", "a\n\n", true},
		{"trailing spaces ignored", "a  ", "a", true},
		{"regexp characters are literal", "f(x) = [1]", "f(x) = [1]", true},
		{"regexp characters are literal 2", "a.c", "abc", false},
	}
	for _, tt := range tests {
		ok, _ := matchLines(lines(tt.want), lines(tt.got))
		if ok != tt.ok {
			t.Errorf("%s: match = %v, want %v", tt.name, ok, tt.ok)
		}
	}
}

func TestMatchUnordered(t *testing.T) {
	if ok, _ := matchUnordered(lines("b …\na …"), lines("a 1\nb 2")); !ok {
		t.Error("same lines in another order should match")
	}
	if ok, _ := matchUnordered(lines("a …\na …"), lines("a 1\nb 2")); ok {
		t.Error("a line may be matched only once")
	}
}

func lines(s string) []string { return strings.Split(s, "\n") }

const sampleNote = "# A note\n" +
	"\n" +
	"```console\n" +
	"$ echo hello\n" +
	"hello\n" +
	"$ X=41; echo \"x is $((X+1))\" \\\n" +
	"  && echo second\n" +
	"x is 42\n" +
	"second\n" +
	"```\n" +
	"\n" +
	"<!-- check: shown-only -->\n" +
	"```console\n" +
	"$ go run ./final\n" +
	"listening on …\n" +
	"```\n" +
	"\n" +
	"```go\n" +
	"$ not a command\n" +
	"```\n"

func TestParseAndRunANote(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "note.md")
	if err := os.WriteFile(path, []byte(sampleNote), 0o644); err != nil {
		t.Fatal(err)
	}
	examples, err := parseNote(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 2 || examples[0].shownOnly || !examples[1].shownOnly {
		t.Fatalf("examples = %+v, want one run and one shown-only", examples)
	}
	first := examples[0]
	if len(first.commands) != 2 || !strings.Contains(first.commands[1].text, "&& echo second") {
		t.Fatalf("commands = %+v", first.commands)
	}
	outputs, err := runExample(dir, first, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range first.commands {
		if ok, at := matchLines(c.want, outputs[i]); !ok {
			t.Errorf("command %q: got %q, mismatch at %d", c.text, outputs[i], at)
		}
	}
}

func TestABackgroundProcessDoesNotHangTheChecker(t *testing.T) {
	ex := example{commands: []command{{text: "sleep 600 &"}, {text: "echo done", want: []string{"done"}}}}
	start := time.Now()
	outputs, err := runExample(t.TempDir(), ex, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := matchLines(ex.commands[1].want, outputs[1]); !ok {
		t.Fatalf("outputs %q", outputs)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("the checker waited for a background process")
	}
}

func TestUnknownDirectiveIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "note.md")
	os.WriteFile(path, []byte("<!-- check: sometimes -->\n```console\n$ true\n```\n"), 0o644)
	if _, err := parseNote(path); err == nil || !strings.Contains(err.Error(), "unknown check directive") {
		t.Fatalf("err = %v", err)
	}
}
