module epollhttp/final

go 1.22

require (
	epollhttp/step1-socket v0.0.0
	epollhttp/step2-epoll v0.0.0
	epollhttp/step3-parse v0.0.0
	golang.org/x/sys v0.30.0
)

// The final server is built from the earlier steps: step 1's listener and
// syscall narration, step 2's epoll type, step 3's parser. The replaces keep
// it buildable on its own (GOWORK=off).
replace (
	epollhttp/step1-socket => ../step1-socket
	epollhttp/step2-epoll => ../step2-epoll
	epollhttp/step3-parse => ../step3-parse
)
