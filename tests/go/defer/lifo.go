// lifo: deferred calls run last-in first-out, after the function body, before it returns.
package main

import "fmt"

func say(s string) { fmt.Println(s) }

func inner() {
	defer say("inner defer 1")
	defer say("inner defer 2")
	fmt.Println("inner body")
}

func outer() {
	defer say("outer defer 1")
	inner()
	defer say("outer defer 2")
	defer say("outer defer 3")
	fmt.Println("outer body")
}

func main() {
	outer()
	fmt.Println("after outer")
}
