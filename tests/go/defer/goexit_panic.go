// goexit_panic: a deferred call run by Goexit panics and nobody recovers: the program dies
// with that panic (the Goexit is not printed) and status 2.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func work(wg *sync.WaitGroup) {
	defer fmt.Println("older defer runs")
	defer func() { panic("panic during Goexit") }()
	runtime.Goexit()
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go work(&wg)
	wg.Wait()
}
