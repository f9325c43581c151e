// recover: recover stops a panic only when called directly by a deferred call run by that panic;
// the deferring function then returns normally to its caller.
package main

import "fmt"

func helper() { fmt.Println("helper recover:", recover()) }

func nested() {
	defer func() {
		defer func() { fmt.Println("nested recover:", recover()) }()
	}()
	defer func() { helper() }()
	panic("x")
}

func g() {
	defer func() { fmt.Println("g recovered:", recover()) }()
	defer fmt.Println("g defer runs first")
	nested()
	fmt.Println("not reached")
}

func main() {
	fmt.Println("recover outside panic:", recover())
	g()
	fmt.Println("g returned normally")
	func() {
		defer func() { fmt.Println("no panic, recover:", recover()) }()
	}()
}
