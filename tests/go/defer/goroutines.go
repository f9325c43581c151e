// goroutines: each goroutine has its own defer chain; a panic recovered in one does not touch others.
package main

import (
	"fmt"
	"sync"
)

func worker(id int, out []string, wg *sync.WaitGroup) {
	defer wg.Done()
	defer func() {
		if r := recover(); r != nil {
			out[id] += fmt.Sprint(" recovered:", r)
		}
	}()
	defer func() { out[id] += " defer2" }()
	defer func() { out[id] += " defer1" }()
	out[id] = fmt.Sprint("worker ", id)
	if id%2 == 1 {
		panic(fmt.Sprint("odd ", id))
	}
}

func main() {
	out := make([]string, 4)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go worker(i, out, &wg)
	}
	wg.Wait()
	for _, s := range out {
		fmt.Println(s)
	}
}
