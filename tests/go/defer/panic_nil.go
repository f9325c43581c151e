// panic_nil: panic(nil) in Go 1.19 is recovered like any panic but recover returns nil, so the
// deferred call cannot tell it from no panic at all; unrecovered it prints "panic: nil".
package main

import "fmt"

func f() {
	defer func() { fmt.Println("recover returned:", recover()) }()
	panic(nil)
}

func main() {
	f()
	fmt.Println("f returned normally")
	defer fmt.Println("main's defer runs")
	panic(nil)
}
