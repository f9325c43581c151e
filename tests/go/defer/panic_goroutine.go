// panic_goroutine: an unrecovered panic in a goroutine ends the whole program with status 2.
package main

import (
	"fmt"
	"sync"
)

// crash never calls wg.Done: main stays blocked in Wait until the panic ends the program.
func crash(wg *sync.WaitGroup) {
	defer fmt.Println("goroutine defer")
	panic("in goroutine")
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go crash(&wg)
	wg.Wait()
	fmt.Println("not reached")
}
