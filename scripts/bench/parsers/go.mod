module epollhttp/scripts/bench/parsers

go 1.26.0

require (
	epollhttp/step3-parse v0.0.0
	github.com/valyala/fasthttp v1.78.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
)

replace epollhttp/step3-parse => ../../../step3-parse
