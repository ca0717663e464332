package main

// An exercise is one piece of a step a learner writes in a skeleton. Its
// code lives in the step's own source, between markers:
//
//	// exercise 2.2 begin: read once, or until EAGAIN when draining; then flush
//	...the real code...
//	// exercise 2.2 end
//
// and the skeleton replaces what lies between them with a panic that names
// the exercise. One exercise may span several marked regions (a function
// and its helper), the text of each marker saying what that part does.
// This table adds what the source cannot say: the exercise's name, where
// the note teaches it, and which tests go from failing to passing once it
// is written.
//
// The exercises of a step come in the order a learner writes them: the
// tests of each pass once it and the ones before it are written, with the
// ones after it still stubs. -verify checks exactly that, so an exercise
// whose tests need a later one is caught.
type exercise struct {
	id    string // "2.2": the step's number, then its place in the step
	title string // what the learner writes, in a few words
	step  string // the module directory
	note  string // notes/NN-name.md#anchor, the section that teaches it
	pkg   string // the package of its tests, relative to the module
	tests string // a -run pattern naming those tests
	hint  string // a sentence or two: what to do, where to look
}

var exercises = []exercise{
	{"1.1", "the dump's visible bytes", "step1-socket", "notes/01-socket.md#the-bytes-of-a-request", ".", "TestVisibleHidesNothing",
		"Printable ASCII stands for itself; every other byte, the backslash included, is spelled with a backslash."},
	{"1.2", "where the head ends", "step1-socket", "notes/01-socket.md#the-bytes-of-a-request", "./minihttp", "TestHeadEnd",
		"The head ends at an empty line: CR LF CR LF, or LF LF, which RFC 9112 §2.2 lets a server accept."},
	{"1.3", "read until the blank line", "step1-socket", "notes/01-socket.md#tcp-is-a-byte-stream", ".", "TestReadHead",
		"One read(2) returns what has arrived so far: gather reads until HeadEnd finds the end, the client closes, or maxHeadBytes is passed."},
	{"1.4", "the accept loop", "step1-socket", "notes/01-socket.md#the-system-calls-in-order", ".",
		"TestAnswersRequestSentWhole|TestClientsThatLeaveDoNotStopTheServer|TestOnceExitsAfterOneConnection",
		"accept4, serveConnection, repeat; a failed accept is no reason to stop serving."},

	{"2.1", "accept until EAGAIN", "step2-epoll", "notes/02-epoll.md#the-loop", ".", "TestEveryWaitingClientIsAccepted",
		"One report on the listener may stand for several connections: accept until EAGAIN, add each to the table and to epoll."},
	{"2.2", "the edge-triggered drain", "step2-epoll", "notes/02-epoll.md#level-or-edge", ".", "TestRequestLargerThanTheBuffer",
		"Read into c.in and answer; with -drain, read again until EAGAIN, for edge mode reports new bytes only once. Then flush."},
	{"2.3", "waiting for room, EPOLLOUT", "step2-epoll", "notes/02-epoll.md#when-the-client-does-not-read-eagain-on-write-and-epollout", ".",
		"TestClientThatDoesNotReadIsHeldBack|TestPipelinedBatchLargerThanTheOutputCapIsAllAnswered",
		"A full socket: watch EPOLLOUT instead of EPOLLIN. On EPOLLOUT, write the rest; once drained, watch EPOLLIN again and answer what waited."},

	{"3.1", "header fields", "step3-parse", "notes/03-parse.md#header-fields", "./httpparse", "TestFieldLineRules",
		"A name is tchars up to its colon, with no whitespace before it; a value runs to CR or LF; addField trims the spaces and tabs around it."},
	{"3.2", "Content-Length", "step3-parse", "notes/03-parse.md#framing-content-length-and-transfer-encoding", "./httpparse", "TestContentLength",
		"Digits only; compare with the limit before adding each digit, so that nothing can overflow."},
	{"3.3", "chunk sizes", "step3-parse", "notes/03-parse.md#chunked-bodies", "./httpparse", "TestChunkSize",
		"Hex digits, each checked against what is left of the body limit (appendDigit), at most 16 of them; then CR, or an extension."},

	{"4.1", "the timeout lists", "final", "notes/05-hardening.md#time-without-a-timer-per-connection", "./server", "TestTimeoutListsStayInOrder",
		"A doubly linked list per kind of timeout: start appends at the tail (every clock of one list has the same length), remove unlinks in O(1)."},
	{"4.2", "the batched write, with backpressure", "final", "notes/04-final.md#keep-alive-and-pipelining-one-write-per-batch", "./server",
		"TestPipelinedRequestsAnsweredInOrder|TestResponseLargerThanTheSocketBuffer|TestPipelinedBatchPastTheOutputCapIsAllAnswered",
		"advance: process, write the batch, and process again while requests waited for room. writeOut: write(2) up to each file (telling l.write more is coming when a file follows), sendfile(2) the file, all within the quota; a short write means the socket is full."},
	{"4.3", "bodies within a budget", "final", "notes/05-hardening.md#a-declared-size-is-a-promise-not-a-fact", "./server", "TestBodiesInBothFramings|TestBodyBudgetAnswers503",
		"Double the buffer, never past the declared length, and only if the loop's body budget has room: false means 503."},
}

// steps names each module by the spellings a learner may type.
var steps = map[string]string{
	"1": "step1-socket", "step1": "step1-socket", "step1-socket": "step1-socket",
	"2": "step2-epoll", "step2": "step2-epoll", "step2-epoll": "step2-epoll",
	"3": "step3-parse", "step3": "step3-parse", "step3-parse": "step3-parse",
	"4": "final", "final": "final",
}

var stepOrder = []string{"step1-socket", "step2-epoll", "step3-parse", "final"}

func exercisesOf(step string) []exercise {
	var of []exercise
	for _, e := range exercises {
		if e.step == step {
			of = append(of, e)
		}
	}
	return of
}
