// repanic: a deferred call recovers and panics again with the same value; nobody recovers it.
package main

import "fmt"

func f() {
	defer func() {
		r := recover()
		fmt.Println("recovered", r, "and panicking again")
		panic(r)
	}()
	panic("boom")
}

func main() {
	defer fmt.Println("main's defer runs during the second panic")
	f()
}
