// goexit_deadlock: main calls Goexit while another goroutine waits forever on a WaitGroup:
// every goroutine left is asleep.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	var started, never sync.WaitGroup
	started.Add(1)
	never.Add(1)
	go func() {
		started.Done()
		never.Wait()
	}()
	started.Wait()
	defer fmt.Println("main's defer runs")
	runtime.Goexit()
}
