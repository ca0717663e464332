//go:build linux

package server

import (
	"fmt"
	"strings"
)

// LifecycleDiagram draws the connection lifecycle as a Mermaid state
// diagram, from the tables of lifecycle.go: the states with what each one
// watches and which clock runs, and one arrow for each pair of states a
// transition joins, labelled with the events that take it.
// notes/04-final.md shows its output (go run ./final -lifecycle), and the
// notes checker compares the two, so the note cannot drift from the code.
func LifecycleDiagram() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for s := stateHead; s < stateClosed; s++ {
		r := stateRules[s]
		fmt.Fprintf(&b, "    %s: %s<br>%s, %s clock\n", r.name, r.name, interestName(r.events), timerNames[r.timer])
	}
	// Hang-ups and Close lead every state to closed: one note, not ten
	// arrows.
	type edge struct{ from, to state }
	events := map[edge][]string{}
	for _, t := range transitions {
		if t.on == evHangup || t.on == evStop {
			continue
		}
		e := edge{t.from, t.to}
		if name := t.on.String(); !contains(events[e], name) {
			events[e] = append(events[e], name)
		}
	}
	for from := stateNew; from < stateClosed; from++ {
		for to := stateHead; to <= stateClosed; to++ {
			names, ok := events[edge{from, to}]
			if !ok {
				continue
			}
			a, z := from.String(), to.String()
			if from == stateNew {
				a = "[*]"
			}
			if to == stateClosed {
				z = "[*]"
			}
			fmt.Fprintf(&b, "    %s --> %s: %s\n", a, z, strings.Join(names, ", "))
		}
	}
	b.WriteString("    note left of writing: hangup (EPOLLERR, EPOLLHUP) and stop (Close) lead any state to [*]\n")
	return b.String()
}

func interestName(events uint32) string {
	if events == reading {
		return "EPOLLIN"
	}
	return "EPOLLOUT"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
