//go:build integration

package pipeline

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"simpletiktok/pkg/mediajob"
)

// Several videos published at once all get a real JPEG cover of their own, within a bounded time.
func TestConcurrentPublishesAllGetCovers(t *testing.T) {
	const each = 4
	clip := sample(t)
	type author struct {
		id    int64
		token string
	}
	var authors []author
	for range 2 {
		id, token := user(t)
		authors = append(authors, author{id, token})
	}
	var wg sync.WaitGroup
	for _, a := range authors {
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				publish(t, a.token, fmt.Sprintf("burst %d", i), clip)
			}()
		}
	}
	wg.Wait()
	covers := map[string]bool{}
	for _, a := range authors {
		list := waitForCovers(t, a.token, a.id, 60*time.Second)
		if len(list) != each {
			t.Fatalf("author %d has %d videos; want %d", a.id, len(list), each)
		}
		for _, v := range list {
			checkCover(t, v.Cover)
			if covers[v.Cover] || len(coverFiles(t, v.PlayURL)) != 1 {
				t.Fatalf("video %d: cover %s shared or stored %d times", v.ID, v.Cover, len(coverFiles(t, v.PlayURL)))
			}
			covers[v.Cover] = true
		}
	}
}

// A worker killed while ffmpeg runs leaves its job in the queue; the job is delivered again once
// its ack wait runs out and done by the restarted worker: one cover, one video.
func TestWorkerKilledMidJob(t *testing.T) {
	id, token := user(t)
	if err := os.WriteFile(shared.slowFlag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(shared.startedFlag)
	publish(t, token, "interrupted", sample(t))
	waitFor(t, "ffmpeg started on the job", 30*time.Second, func() bool {
		_, err := os.Stat(shared.startedFlag)
		return err == nil
	})
	if list := works(t, token, id); len(list) != 1 || !list[0].FallbackCovered {
		t.Fatalf("mid-job the list is %+v; want the one video with the fallback cover", list)
	}
	// Kill -9 (with its ffmpeg) and back after the supervisor's short backoff; ffmpeg is quick again.
	if err := shared.stack.KillFor("media-worker", 0); err != nil {
		t.Fatal(err)
	}
	os.Remove(shared.slowFlag)
	list := waitForCovers(t, token, id, 60*time.Second)
	if len(list) != 1 || list[0].Title != "interrupted" {
		t.Fatalf("publish list %+v; want the one video", list)
	}
	checkCover(t, list[0].Cover)
	if files := coverFiles(t, list[0].PlayURL); len(files) != 1 {
		t.Fatalf("cover files %v; want exactly one", files)
	}
	if _, dead := deadLetterOf(t, jetStream(t), list[0].ID); dead {
		t.Fatal("the interrupted job was dead-lettered")
	}
}

// A file ffprobe accepts and ffmpeg cannot decode is published; its job ends in the dead letters
// with ffmpeg's reason, leaves the queue, and the video keeps the fallback cover.
func TestBrokenFileEndsInTheDeadLetters(t *testing.T) {
	id, token := user(t)
	publish(t, token, "broken", broken(t))
	list := works(t, token, id)
	if len(list) != 1 {
		t.Fatalf("publish list %+v; want the broken video, published", list)
	}
	js := jetStream(t)
	var dead mediajob.DeadLetter
	waitFor(t, "the job filed as a dead letter", 60*time.Second, func() bool {
		var ok bool
		dead, ok = deadLetterOf(t, js, list[0].ID)
		return ok
	})
	if !strings.Contains(dead.Error, "ffmpeg") || dead.Attempts != 1 || dead.PlayKey != key(list[0].PlayURL) {
		t.Fatalf("dead letter %+v; want ffmpeg's refusal on the first attempt, for %s", dead, key(list[0].PlayURL))
	}
	waitFor(t, "the queue empty", 30*time.Second, func() bool { return streamState(t, js, mediajob.Stream).Msgs == 0 })
	if list := works(t, token, id); !list[0].FallbackCovered || len(coverFiles(t, list[0].PlayURL)) != 0 {
		t.Fatalf("after the dead letter: %+v; want the fallback cover and no cover file", list[0])
	}
}

// With NATS away a publish still succeeds: the video shows at once, in the publish list and the
// feed, with the fallback cover, its job waiting in the video service's outbox. Once NATS is back
// the outbox delivers the job, exactly once, and the cover is made.
func TestPublishWhileTheQueueIsDown(t *testing.T) {
	id, token := user(t)
	js := jetStream(t)
	before := streamState(t, js, mediajob.Stream).LastSeq
	if err := shared.stack.KillFor("nats-server", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	publish(t, token, "queued while down", sample(t))
	list := works(t, token, id)
	cover, inFeed := inFeed(t, list[0].ID)
	if running("nats-server") {
		t.Fatal("NATS came back before the checks below ran; they would prove nothing")
	}
	if len(list) != 1 || !list[0].FallbackCovered || !inFeed || cover != list[0].Cover {
		t.Fatalf("with NATS down: list %+v, in feed %v with %q; want the video at once with the fallback cover", list, inFeed, cover)
	}

	list = waitForCovers(t, token, id, 90*time.Second)
	checkCover(t, list[0].Cover)
	if files := coverFiles(t, list[0].PlayURL); len(files) != 1 {
		t.Fatalf("cover files %v; want exactly one", files)
	}
	// One publish, one job: the relay's retries during the outage stored no second copy.
	if after := streamState(t, js, mediajob.Stream).LastSeq; after != before+1 {
		t.Fatalf("the stream took %d messages for one publish; want 1", after-before)
	}
}
