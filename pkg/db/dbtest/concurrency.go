package dbtest

import "sync"

// AtOnce runs call(0) … call(n-1) in n goroutines released together (they wait on one gate, so
// they really contend for the same rows) and returns their errors, by index.
func AtOnce(n int, call func(i int) error) []error {
	gate := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			errs[i] = call(i)
		}()
	}
	close(gate)
	wg.Wait()
	return errs
}
