package cachetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"simpletiktok/pkg/db/dbtest"
)

// Race races writes against reads through the cache: readers goroutines call read(r) (r from 0)
// over and over, as fast as they can, while writers goroutines, started at once (dbtest.AtOnce),
// call write(w) (w from 0) once each; the readers stop when every writer has returned. A writer
// checks its own acknowledged writes and returns an error when a read misses one.
//
// The test fails if a writer returned an error, or if the readers never ran or the cache was never
// hit: then the test did not race the cache.
func (c *Cache) Race(t testing.TB, readers int, read func(r int), writers int, write func(w int) error) {
	t.Helper()
	stop := make(chan struct{})
	var running sync.WaitGroup
	var reads atomic.Int64
	for r := range readers {
		running.Add(1)
		go func() {
			defer running.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				read(r)
				reads.Add(1)
			}
		}()
	}
	errs := dbtest.AtOnce(writers, write)
	close(stop)
	running.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if reads.Load() == 0 || c.Counts.Hits() == 0 {
		t.Fatalf("readers ran %d times, cache hits %d: the test did not race the cache", reads.Load(), c.Counts.Hits())
	}
}
