// goexit: runtime.Goexit runs every deferred call of the goroutine, recover returns nil in them,
// and a panic recovered during Goexit returns to Goexit, which goes on.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func work(wg *sync.WaitGroup) {
	defer wg.Done()
	defer fmt.Println("work defer 1")
	defer func() { fmt.Println("recover during Goexit:", recover()) }()
	inner()
	fmt.Println("not reached")
}

func inner() {
	defer fmt.Println("inner defer")
	defer func() {
		defer func() { fmt.Println("recovered in Goexit's defer:", recover()) }()
		panic("panic during Goexit")
	}()
	runtime.Goexit()
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go work(&wg)
	wg.Wait()
	fmt.Println("main done")
}
