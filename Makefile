# The two commands of the README. Both install what is missing first (scripts/setup).
.PHONY: run test bench-demo

run:
	scripts/run

test:
	scripts/test

bench-demo:
	bench/demo
