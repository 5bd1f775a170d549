// Package jobs consumes the video.uploaded jobs from JetStream: a durable pull consumer shared by
// every worker, a bounded number of jobs (each one ffmpeg process) at a time, explicit acks,
// retries with backoff, and a dead-letter subject for the jobs given up.
package jobs

import (
	"fmt"
	"time"

	"simpletiktok/services/media-worker/internal/cover"
)

// Action is what becomes of a delivered job.
type Action int

const (
	Ack        Action = iota // done: remove it from the queue
	Retry                    // deliver it again after Decision.Delay
	DeadLetter               // give up: copy it to the dead-letter subject, remove it from the queue
)

func (a Action) String() string {
	switch a {
	case Ack:
		return "ack"
	case Retry:
		return "retry"
	default:
		return "dead_letter"
	}
}

// Policy bounds the attempts of a job and spaces them.
type Policy struct {
	MaxAttempts int           // deliveries of a job, the first included, before it is given up
	RetryMin    time.Duration // pause before the second attempt, doubled for each later one...
	RetryMax    time.Duration // ...up to this
}

// Decision is the outcome of one delivery.
type Decision struct {
	Action Action
	Delay  time.Duration // for Retry
	Why    string        // for DeadLetter
}

// Before decides on a delivery before it is processed: one past the last attempt is given up at
// once. That is the delivery of a job whose earlier attempts never answered, because each one
// killed or hung its worker (its ack wait ran out): processing it again would do the same.
func (p Policy) Before(attempt int) (Decision, bool) {
	if attempt > p.MaxAttempts {
		return Decision{Action: DeadLetter, Why: "no attempt finished (each ended with its worker)"}, true
	}
	return Decision{}, false
}

// After decides on a delivery from the error of its processing: success is acked; a permanent
// failure goes to the dead letters at once; another failure is retried after a pause that doubles
// with each attempt, until the last attempt, after which the job goes to the dead letters.
func (p Policy) After(attempt int, err error) Decision {
	switch {
	case err == nil:
		return Decision{Action: Ack}
	case cover.IsPermanent(err):
		return Decision{Action: DeadLetter, Why: err.Error()}
	case attempt >= p.MaxAttempts:
		return Decision{Action: DeadLetter, Why: fmt.Sprintf("attempt %d of %d failed: %v", attempt, p.MaxAttempts, err)}
	}
	return Decision{Action: Retry, Delay: p.delay(attempt)}
}

// delay is the pause after failed attempt n (1-based): RetryMin·2^(n-1), at most RetryMax.
func (p Policy) delay(n int) time.Duration {
	d := p.RetryMin
	for i := 1; i < n && d < p.RetryMax; i++ {
		d *= 2
	}
	return min(d, p.RetryMax)
}
