// argeval: the arguments of a deferred call are evaluated when the defer statement runs.
package main

import "fmt"

func show(tag string, v int) { fmt.Println(tag, v) }

func f() {
	x := 1
	defer show("deferred x =", x) // x is copied now: prints 1
	x = 2
	defer show("deferred x =", x) // prints 2
	x = 3
	fmt.Println("body x =", x)
}

func main() {
	f()
	fmt.Println("main done")
}
