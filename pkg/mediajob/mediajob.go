// Package mediajob is the contract between the video service, which queues a processing job for
// every published video, and the media worker, which consumes them: the subjects, the JetStream
// streams that keep the jobs, and the job's JSON form.
//
// video.uploaded jobs live in the stream MEDIA with work-queue retention: a job stays until the
// worker acknowledges it, is delivered to one worker at a time, and survives a restart of the
// server (file storage). Jobs the worker gives up on are copied to video.uploaded.dead, kept in
// MEDIA_DEAD for DeadMaxAge for an operator to read and replay.
package mediajob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// Subject carries one job per published video.
	Subject = "video.uploaded"
	// DeadSubject carries the jobs the worker gave up on, with why.
	DeadSubject = "video.uploaded.dead"
	// Stream and DeadStream keep them.
	Stream     = "MEDIA"
	DeadStream = "MEDIA_DEAD"
	// Consumer is the durable pull consumer every media worker shares: each job goes to one of them.
	Consumer = "media-worker"
	// DuplicateWindow is how long the server remembers a job's message id, so that a job relayed
	// twice (a relay that died between the server's ack and marking its row sent) is kept once.
	DuplicateWindow = 10 * time.Minute
	// DeadMaxAge is how long a dead letter is kept.
	DeadMaxAge = 30 * 24 * time.Hour
)

// Job is the work queued for one published video: make its cover.
type Job struct {
	VideoID int64  `json:"video_id"`
	PlayKey string `json:"play_key"`
}

// Encode is the job's message body.
func (j Job) Encode() []byte {
	b, _ := json.Marshal(j) // two plain fields: cannot fail
	return b
}

// Decode reads a message body; a body that is not a whole job is an error that no retry fixes.
func Decode(body []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(body, &j); err != nil {
		return Job{}, fmt.Errorf("mediajob: not a job: %w", err)
	}
	if j.VideoID <= 0 || j.PlayKey == "" {
		return Job{}, errors.New("mediajob: a job needs a video_id and a play_key")
	}
	return j, nil
}

// DeadLetter is the body of a message on DeadSubject: the job, and why it was given up.
type DeadLetter struct {
	Job
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
	FailedAt time.Time `json:"failed_at"`
	// StreamSeq is the job's sequence in Stream, which also names the dead letter's message id.
	StreamSeq uint64 `json:"stream_seq"`
}

// Encode is the dead letter's message body.
func (d DeadLetter) Encode() []byte {
	b, _ := json.Marshal(d) // plain fields: cannot fail
	return b
}

// DeadMsgID is the message id of the dead letter of the job at sequence seq of Stream, so that a
// worker that died between dead-lettering a job and dropping it does not file it twice.
func DeadMsgID(seq uint64) string { return "video.uploaded.dead-" + strconv.FormatUint(seq, 10) }

// EnsureStreams creates the two streams, or brings their settings up to date; it is idempotent,
// so every publisher and consumer calls it at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream) error {
	streams := []jetstream.StreamConfig{{
		Name:        Stream,
		Description: "media processing jobs of published videos",
		Subjects:    []string{Subject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  DuplicateWindow,
	}, {
		Name:        DeadStream,
		Description: "media jobs given up after their last attempt",
		Subjects:    []string{DeadSubject},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  DuplicateWindow,
		MaxAge:      DeadMaxAge,
	}}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("mediajob: stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
