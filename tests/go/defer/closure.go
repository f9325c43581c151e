// closure: a deferred closure captures variables, so it sees writes made after the defer statement.
package main

import "fmt"

func f() {
	x := 1
	defer func() { fmt.Println("closure sees x =", x) }()
	defer func(v int) { fmt.Println("argument v =", v) }(x)
	x = 42
	fmt.Println("body set x =", x)
}

func main() {
	f()
}
