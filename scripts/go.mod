// Tools kept with the scripts: the notes checker, the stage tester
// (check/) and the benchmark helpers. The module is listed in go.work only
// so that `go run ./scripts/check` works from the repository root, as the
// course promises; scripts/test.sh leaves it out of the loop over the
// course's modules (it is tooling, may use net, and builds on any Unix) and
// tests it on its own, with GOWORK=off, as its other commands run.
module epollhttp/scripts

go 1.22
