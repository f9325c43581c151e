// named: deferred closures can change a function's named results, after `return` set them and
// after a recovered panic; recover into an error is Go's common pattern.
package main

import (
	"errors"
	"fmt"
)

func double() (r int) {
	defer func() { r *= 2 }()
	r = 21
	return r
}

func divide(a, b int) (q int, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = errors.New(fmt.Sprint("recovered: ", e))
			q = -1
		}
	}()
	q = a / b
	return q, nil
}

func main() {
	fmt.Println("double:", double())
	q, err := divide(7, 2)
	fmt.Println("divide(7, 2):", q, err)
	q, err = divide(7, 0)
	fmt.Println("divide(7, 0):", q, err)
}
