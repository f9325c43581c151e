// panic_goexit: a deferred call run by a panic calls Goexit: the older deferred calls still
// run, the panic is forgotten and the goroutine just ends.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func work(wg *sync.WaitGroup) {
	defer wg.Done()
	defer fmt.Println("older defer runs")
	defer func() { runtime.Goexit() }()
	panic("never reported")
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go work(&wg)
	wg.Wait()
	fmt.Println("main done")
}
