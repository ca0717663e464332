package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// endMark follows each command's output, so one shell can run a whole
// example (variables and background servers carry from one command to the
// next, as in a learner's terminal) and still tell the outputs apart.
const endMark = "\x1eNOTESCHECK-END"

// runExample runs every command of an example in one bash, from the
// repository root, with stderr merged into stdout as a terminal shows them.
// It returns each command's output lines.
func runExample(root string, ex example, timeout time.Duration) ([][]string, error) {
	var script strings.Builder
	script.WriteString("exec 2>&1\n")
	for _, c := range ex.commands {
		script.WriteString(c.text + "\n")
		fmt.Fprintf(&script, "printf '%%s\\n' '%s'\n", endMark)
	}
	// Output goes to a file, not a pipe: a server left running in the
	// background would hold a pipe open and the checker would wait forever.
	out, err := os.CreateTemp("", "notescheck-*.out")
	if err != nil {
		return nil, err
	}
	defer os.Remove(out.Name())
	defer out.Close()

	cmd := exec.Command("bash", "--noprofile", "--norc", "-c", script.String())
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(learnerEnv(), "TERM=dumb", "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, to stop all it started
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timedOut := false
	select {
	case <-done:
	case <-time.After(timeout):
		timedOut = true
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever the example left running
	if timedOut {
		<-done
	}
	text, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, err
	}
	outputs := splitOutputs(text, len(ex.commands))
	if timedOut {
		return outputs, fmt.Errorf("example still running after %v", timeout)
	}
	return outputs, nil
}

func splitOutputs(text []byte, n int) [][]string {
	outputs := make([][]string, n)
	parts := bytes.Split(text, []byte(endMark+"\n"))
	for i := 0; i < n && i < len(parts); i++ {
		part := strings.TrimSuffix(string(parts[i]), "\n")
		if part == "" {
			continue
		}
		outputs[i] = strings.Split(part, "\n")
	}
	return outputs
}

// learnerEnv is the checker's environment as a learner's shell would have
// it: the checker itself runs with GOWORK=off (it is not part of go.work),
// but the commands in the notes must see the repository's go.work.
func learnerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOWORK=") {
			env = append(env, kv)
		}
	}
	return env
}
