// goexit_main: Goexit in the main goroutine runs main's defers, waits for the other goroutines,
// then the runtime reports the deadlock.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	done := make(chan bool)
	go func() { fmt.Println("other goroutine runs"); done <- true }()
	<-done
	defer fmt.Println("main defer")
	runtime.Goexit()
}
