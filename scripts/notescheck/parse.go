package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// An example is one fenced block of a note: commands to type, each with the
// output the note says it prints.
type example struct {
	file      string
	line      int // line of the opening fence
	shownOnly bool
	unordered bool
	commands  []command
}

type command struct {
	line int      // line of the "$ " that starts it
	text string   // the command, continuation lines joined with newlines
	want []string // the output lines the note shows
}

// Directives sit in an HTML comment on the line just above a fence, so a
// reader of the rendered note never sees them.
const directivePrefix = "<!-- check:"

// parseNote finds the examples of one note: fences whose info string starts
// with "console".
func parseNote(path string) ([]example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		examples  []example
		current   *example
		directive string
		fence     string
	)
	scanner := bufio.NewScanner(f)
	for number := 1; scanner.Scan(); number++ {
		line := scanner.Text()
		trimmed := strings.TrimSpace(line)
		if current == nil {
			if strings.HasPrefix(trimmed, directivePrefix) {
				directive = trimmed
				continue
			}
			if strings.HasPrefix(trimmed, "```") {
				marks := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
				info := strings.TrimSpace(trimmed[marks:])
				fence = trimmed[:marks]
				if strings.HasPrefix(info, "console") {
					ex, err := newExample(path, number, directive)
					if err != nil {
						return nil, err
					}
					current = &ex
				} else {
					current = &example{line: -1} // another language: skip to its end
				}
			}
			if trimmed != "" {
				directive = ""
			}
			continue
		}
		if trimmed == fence {
			if current.line >= 0 {
				examples = append(examples, *current)
			}
			current = nil
			continue
		}
		if current.line < 0 {
			continue
		}
		if err := current.addLine(line, number); err != nil {
			return nil, err
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if current != nil {
		return nil, fmt.Errorf("%s: fence never closed", path)
	}
	return examples, nil
}

func newExample(path string, line int, directive string) (example, error) {
	ex := example{file: path, line: line}
	if directive == "" {
		return ex, nil
	}
	words := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(directive, directivePrefix), "-->"))
	for _, word := range words {
		switch word {
		case "shown-only":
			ex.shownOnly = true
		case "unordered":
			ex.unordered = true
		default:
			return ex, fmt.Errorf("%s:%d: unknown check directive %q (know: shown-only, unordered)", path, line-1, word)
		}
	}
	return ex, nil
}

// addLine files one line of a block: a new command, the continuation of one
// (the previous line ended with a backslash), or a line of expected output.
func (ex *example) addLine(line string, number int) error {
	n := len(ex.commands)
	if n > 0 && strings.HasSuffix(ex.commands[n-1].text, "\\") && len(ex.commands[n-1].want) == 0 {
		ex.commands[n-1].text += "\n" + line
		return nil
	}
	if strings.HasPrefix(line, "$ ") {
		ex.commands = append(ex.commands, command{line: number, text: strings.TrimPrefix(line, "$ ")})
		return nil
	}
	if n == 0 {
		return fmt.Errorf("%s:%d: output before any \"$ \" command", ex.file, number)
	}
	ex.commands[n-1].want = append(ex.commands[n-1].want, line)
	return nil
}
