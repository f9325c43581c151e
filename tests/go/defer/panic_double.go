// panic_double: a deferred call panics while a panic is running; nobody recovers.
package main

import "fmt"

func main() {
	defer fmt.Println("oldest defer still runs")
	defer func() { panic("second") }()
	panic("first")
}
