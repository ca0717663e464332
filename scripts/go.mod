// Tools kept with the scripts: the notes checker and, later, the benchmark
// helpers. This module is deliberately not in go.work: it is run with
// GOWORK=off so it never mixes with the course's own modules.
module epollhttp/scripts

go 1.22
