// deferpanic: a panic inside a deferred call replaces the earlier one; recover gets the latest.
package main

import "fmt"

func f() {
	defer func() { fmt.Println("recovered:", recover()) }()
	defer func() { fmt.Println("second defer still runs") }()
	defer func() { panic("second") }()
	panic("first")
}

func g() {
	defer func() { fmt.Println("g recovered:", recover()) }()
	defer func() {
		defer func() { fmt.Println("inner recovered:", recover()) }()
		panic("inside deferred call")
	}()
	panic("outer")
}

func main() {
	f()
	fmt.Println("after f")
	g()
	fmt.Println("after g")
}
