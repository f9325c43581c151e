// loop: each iteration's defer statement pushes a record; they all run at function exit, LIFO.
package main

import "fmt"

func f() {
	for i := 0; i < 4; i++ {
		defer fmt.Println("loop defer", i)
	}
	for i := 0; i < 3; i++ {
		i := i
		defer func() { fmt.Println("loop closure", i) }()
	}
	fmt.Println("loops done")
}

func main() {
	f()
	fmt.Println("main done")
}
