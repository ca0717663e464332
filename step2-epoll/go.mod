module epollhttp/step2-epoll

go 1.22

require (
	epollhttp/step1-socket v0.0.0
	golang.org/x/sys v0.30.0
)

// Step 2 reuses step 1's listener and syscall narration. The replace keeps
// this module buildable on its own (GOWORK=off), without the workspace.
replace epollhttp/step1-socket => ../step1-socket
