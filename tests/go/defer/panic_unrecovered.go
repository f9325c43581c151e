// panic_unrecovered: defers of every frame run, then "panic: ..." and a goroutine trace, exit 2.
package main

import "fmt"

func f() {
	defer fmt.Println("f's defer")
	panic("boom")
}

func main() {
	defer fmt.Println("main's defer")
	f()
}
