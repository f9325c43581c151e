// goexit_recover: a panic raised by a deferred call during Goexit, recovered by an older deferred
// call, returns to the Goexit loop instead of resuming the function.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func work(wg *sync.WaitGroup) {
	defer wg.Done()
	defer fmt.Println("last defer")
	defer func() { fmt.Println("recovered:", recover()) }()
	defer func() { panic("during goexit") }()
	runtime.Goexit()
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go work(&wg)
	wg.Wait()
	fmt.Println("main done")
}
