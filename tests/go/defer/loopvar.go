// loopvar: in Go 1.19 a for loop has one variable for all iterations, so closures deferred in
// the loop all see its last value; `i := i` gives each its own copy.
package main

import "fmt"

func shared() {
	for i := 0; i < 3; i++ {
		defer func() { fmt.Println("shared i =", i) }()
	}
}

func copied() {
	for i := 0; i < 3; i++ {
		i := i
		defer func() { fmt.Println("copied i =", i) }()
	}
}

func main() {
	shared()
	copied()
}
