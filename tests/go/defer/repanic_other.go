// repanic_other: a deferred call recovers a panic and raises a different one, which nobody
// recovers: Go prints both, the first marked [recovered].
package main

import "fmt"

func main() {
	defer func() {
		fmt.Println("recovered:", recover())
		panic("second")
	}()
	panic("first")
}
