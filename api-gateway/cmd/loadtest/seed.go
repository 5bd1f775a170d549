package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// seedPassword is the password of every seeded account: throw-away users of a benchmark.
const seedPassword = "loadtest-password"

// seeded is what the seeding made, as ids and tokens.
type seeded struct {
	plan   plan
	users  []account
	videos []int64 // every seeded video's id
	// videoAuthor[k] is the user index of the author of videos[k].
	videoAuthor []int
	// done is when the last seeded message was sent (ms): chat polls ask for what came after it,
	// as a phone that has already shown the conversation does.
	done int64
}

// seeder writes the plan through the API, conns calls at a time.
type seeder struct {
	api   *api
	conns int
	out   io.Writer
}

// seed writes users, videos (clip uploaded again and again), likes, follows, comments and
// messages, in that order. Usernames carry runID, so that a rerun against the same stack adds
// fresh users instead of colliding with the last run's.
func (s *seeder) seed(ctx context.Context, p plan, runID string, clip []byte) (*seeded, error) {
	d := &seeded{plan: p, users: make([]account, p.Users)}
	err := s.phase(ctx, "users", p.Users, func(ctx context.Context, i int) error {
		acc, err := s.api.register(ctx, fmt.Sprintf("lt%su%d", runID, i), seedPassword)
		d.users[i] = acc
		return err
	})
	if err != nil {
		return nil, err
	}
	err = s.phase(ctx, "videos", p.Videos, func(ctx context.Context, v int) error {
		return s.api.publish(ctx, d.users[p.Authors[v]].Token, fmt.Sprintf("load test clip %d", v), clip)
	})
	if err != nil {
		return nil, err
	}
	if err := s.collectVideos(ctx, d); err != nil {
		return nil, err
	}
	err = s.actions(ctx, "likes", p.Likes, func(q pair, _ int) (string, url.Values) {
		return "/douyin/favorite/action/", url.Values{"token": {d.users[q.A].Token},
			"video_id": {id(d.videos[q.B%len(d.videos)])}, "action_type": {"1"}}
	})
	if err != nil {
		return nil, err
	}
	err = s.actions(ctx, "follows", p.Follows, func(q pair, _ int) (string, url.Values) {
		return "/douyin/relation/action/", url.Values{"token": {d.users[q.A].Token},
			"to_user_id": {id(d.users[q.B].ID)}, "action_type": {"1"}}
	})
	if err != nil {
		return nil, err
	}
	err = s.actions(ctx, "comments", p.Comments, func(q pair, i int) (string, url.Values) {
		return "/douyin/comment/action/", url.Values{"token": {d.users[q.A].Token},
			"video_id": {id(d.videos[q.B%len(d.videos)])}, "action_type": {"1"},
			"comment_text": {fmt.Sprintf("load test comment %d", i)}}
	})
	if err != nil {
		return nil, err
	}
	err = s.actions(ctx, "messages", p.Messages, func(q pair, i int) (string, url.Values) {
		return "/douyin/message/action/", url.Values{"token": {d.users[q.A].Token},
			"to_user_id": {id(d.users[q.B].ID)}, "action_type": {"1"},
			"content": {fmt.Sprintf("load test message %d", i)}}
	})
	d.done = time.Now().UnixMilli()
	return d, err
}

// collectVideos reads each author's publish list for the ids of the videos just published.
func (s *seeder) collectVideos(ctx context.Context, d *seeded) error {
	authors := 0
	for _, a := range d.plan.Authors {
		authors = max(authors, a+1)
	}
	lists := make([][]int64, authors)
	err := s.phase(ctx, "publish lists read (video ids)", authors, func(ctx context.Context, a int) error {
		ids, err := s.api.publishList(ctx, d.users[a].Token, d.users[a].ID)
		lists[a] = ids
		return err
	})
	if err != nil {
		return err
	}
	for a, ids := range lists {
		for _, v := range ids {
			d.videos = append(d.videos, v)
			d.videoAuthor = append(d.videoAuthor, a)
		}
	}
	if len(d.videos) == 0 && d.plan.Videos > 0 {
		return fmt.Errorf("seeding: %d videos were published but no publish list shows one", d.plan.Videos)
	}
	return nil
}

// actions sends one write per pair; what(pair, i) gives its path and query.
func (s *seeder) actions(ctx context.Context, name string, pairs []pair, what func(q pair, i int) (string, url.Values)) error {
	return s.phase(ctx, name, len(pairs), func(ctx context.Context, i int) error {
		path, q := what(pairs[i], i)
		return s.api.action(ctx, path, q)
	})
}

// phase runs fn for 0..n-1, s.conns at a time, stops at the first error, and says how long it took.
func (s *seeder) phase(ctx context.Context, name string, n int, fn func(ctx context.Context, i int) error) error {
	if n == 0 {
		return nil
	}
	start := time.Now()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.conns)
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("seeding %s: %w", name, err)
	}
	fmt.Fprintf(s.out, "  %s: %d in %.1fs\n", name, n, time.Since(start).Seconds())
	return nil
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// makeClip makes a small real MP4 (one second of ffmpeg's test pattern, 160x120) in a temporary
// folder, so that no media file needs to be committed.
func makeClip(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "tiktok-loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "clip.mp4")
	msg, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
		"-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
		"-preset", "ultrafast", out).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("making the test clip with ffmpeg: %v: %s", err, msg)
	}
	return os.ReadFile(out)
}

// seedFile is what -seed-file keeps: the seeding's result and what it was made for.
type seedFile struct {
	BaseURL     string    `json:"base_url"`
	Sizes       sizes     `json:"sizes"`
	Users       []account `json:"users"`
	Videos      []int64   `json:"videos"`
	VideoAuthor []int     `json:"video_author"`
	Done        int64     `json:"done_ms"`
}

// saveSeeded writes d to path, readable by its owner only (it holds tokens).
func saveSeeded(path, baseURL string, d *seeded) error {
	raw, err := json.Marshal(seedFile{BaseURL: baseURL, Sizes: d.plan.sizes, Users: d.users,
		Videos: d.videos, VideoAuthor: d.videoAuthor, Done: d.done})
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// loadSeeded reads what saveSeeded wrote, if it was seeded on baseURL with p's sizes.
func loadSeeded(path, baseURL string, p plan) (*seeded, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f seedFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.BaseURL != baseURL || f.Sizes != p.sizes {
		return nil, fmt.Errorf("%s was seeded on %s with %+v, not on %s with %+v", path, f.BaseURL, f.Sizes, baseURL, p.sizes)
	}
	if len(f.Users) != p.Users || len(f.Videos) == 0 || len(f.VideoAuthor) != len(f.Videos) {
		return nil, fmt.Errorf("%s does not hold a whole seeding", path)
	}
	// Chat polls ask for what came after done, which for a fresh seeding is nothing. An earlier
	// run's message sends came after the file's time: the polls of this run start from now.
	return &seeded{plan: p, users: f.Users, videos: f.Videos, videoAuthor: f.VideoAuthor,
		done: max(f.Done, time.Now().UnixMilli())}, nil
}
