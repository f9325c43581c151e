// deadlock: main waits on a WaitGroup nobody will finish: the runtime finds every goroutine
// asleep and dies (no deferred call runs).
package main

import (
	"fmt"
	"sync"
)

func main() {
	defer fmt.Println("not printed: fatal errors run no deferred calls")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { fmt.Println("one goroutine done"); wg.Done() }()
	wg.Wait()
}
