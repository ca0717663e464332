module epollhttp/step3-parse

go 1.22
