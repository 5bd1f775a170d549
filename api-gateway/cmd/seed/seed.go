package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"simpletiktok/api-gateway/apiclient"
)

// fallbackCover ends the cover_url of a video whose own cover the media worker has not made yet
// (the contract's fallback cover).
const fallbackCover = "/static/cover.jpg"

// coverPoll is how often the wait for covers reads the publish lists again.
const coverPoll = 250 * time.Millisecond

// seeder makes the demo data through the public API, adding only what is missing: every step
// first reads what exists, so that a second run writes nothing.
type seeder struct {
	api       *apiclient.Client
	out       io.Writer
	ffmpeg    string
	coverWait time.Duration // how long to wait for the media worker's covers

	accounts map[string]apiclient.Account // by user name
	names    map[int64]string             // user id -> name
	videos   map[string]video             // by title
	added    added
}

// added counts what a run wrote.
type added struct{ users, videos, follows, likes, comments, messages int }

func (a added) none() bool { return a == added{} }

// video is a published video as its author's publish list shows it.
type video struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	CoverURL string `json:"cover_url"`
	PlayURL  string `json:"play_url"`
}

// Answers of the reads the seeder makes; only the fields it looks at.
type (
	videoList struct {
		Videos []video `json:"video_list"`
	}
	userList struct {
		Users []struct {
			ID int64 `json:"id"`
		} `json:"user_list"`
	}
	commentList struct {
		Comments []struct {
			User struct {
				ID int64 `json:"id"`
			} `json:"user"`
			Content string `json:"content"`
		} `json:"comment_list"`
	}
	chat struct {
		Messages []struct {
			From    int64  `json:"from_user_id"`
			Content string `json:"content"`
		} `json:"message_list"`
	}
)

func newSeeder(api *apiclient.Client, out io.Writer, ffmpeg string, coverWait time.Duration) *seeder {
	return &seeder{api: api, out: out, ffmpeg: ffmpeg, coverWait: coverWait,
		accounts: map[string]apiclient.Account{}, names: map[int64]string{}, videos: map[string]video{}}
}

// seed makes whatever of the demo data is missing, then waits for every demo video's cover.
func (s *seeder) seed(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"accounts", s.users}, {"videos", s.publish}, {"follows", s.follows}, {"likes", s.likes},
		{"comments", s.comments}, {"chats", s.messages}, {"covers", s.waitForCovers},
	}
	for _, step := range steps {
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// users logs every demo user in, registering those that do not exist yet.
func (s *seeder) users(ctx context.Context) error {
	for _, u := range demoUsers {
		acc, err := s.api.Login(ctx, u.name, demoPassword)
		if apiclient.Refused(err) {
			acc, err = s.api.Register(ctx, u.name, demoPassword)
			if apiclient.Refused(err) {
				return fmt.Errorf("%s cannot log in with the demo password, nor be registered (%w): the name is taken on this stack", u.name, err)
			}
			if err == nil {
				s.added.users++
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", u.name, err)
		}
		s.accounts[u.name], s.names[acc.ID] = acc, u.name
	}
	fmt.Fprintf(s.out, "  accounts: %d registered, %d there already\n", s.added.users, len(demoUsers)-s.added.users)
	return nil
}

// upload is one demo clip to publish.
type upload struct {
	user string
	clip clip
}

// publish uploads the demo clips no publish list shows yet, one round of each user's first clip,
// then their second, so that the feed alternates authors. ffmpeg makes the clips ahead, as many at
// once as there are cores, while the gateway takes the ones made.
func (s *seeder) publish(ctx context.Context) error {
	if err := s.readVideos(ctx); err != nil {
		return err
	}
	var todo []upload
	for round := 0; ; round++ {
		more := false
		for _, u := range demoUsers {
			if round >= len(u.clips) {
				continue
			}
			more = true
			if _, ok := s.videos[u.clips[round].title]; !ok {
				todo = append(todo, upload{u.name, u.clips[round]})
			}
		}
		if !more {
			break
		}
	}
	start := time.Now()
	if len(todo) > 0 {
		if err := s.upload(ctx, todo); err != nil {
			return err
		}
		if err := s.readVideos(ctx); err != nil {
			return err
		}
	}
	for _, u := range demoUsers {
		for _, c := range u.clips {
			if _, ok := s.videos[c.title]; !ok {
				return fmt.Errorf("%q was published but %s's publish list does not show it", c.title, u.name)
			}
		}
	}
	fmt.Fprintf(s.out, "  videos: %d published in %.1fs, %d there already\n", s.added.videos,
		time.Since(start).Seconds(), demoClips()-s.added.videos)
	return nil
}

// upload makes the clips of todo and publishes them in todo's order.
func (s *seeder) upload(ctx context.Context, todo []upload) error {
	dir, err := os.MkdirTemp("", "tiktok-seed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// When a publish fails, the clips still being made are stopped and waited for before their
	// folder goes (deferred calls run last first).
	var makers sync.WaitGroup
	defer makers.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type made struct {
		clip []byte
		err  error
	}
	clips := make([]chan made, len(todo))
	slots := make(chan struct{}, runtime.NumCPU())
	for i, u := range todo {
		clips[i] = make(chan made, 1)
		makers.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			clip, err := makeClip(ctx, s.ffmpeg, dir, i, u.clip)
			clips[i] <- made{clip, err}
		})
	}
	for i, u := range todo {
		m := <-clips[i]
		if m.err != nil {
			return m.err
		}
		if err := s.api.Publish(ctx, s.accounts[u.user].Token, u.clip.title, m.clip); err != nil {
			return fmt.Errorf("%s publishing %q: %w", u.user, u.clip.title, err)
		}
		s.added.videos++
		fmt.Fprintf(s.out, "  published %q by %s (%d kB)\n", u.clip.title, u.user, len(m.clip)/1000)
	}
	return nil
}

// readVideos reads every demo user's publish list into s.videos.
func (s *seeder) readVideos(ctx context.Context) error {
	for _, u := range demoUsers {
		list, err := s.publishList(ctx, u.name)
		if err != nil {
			return err
		}
		for _, v := range list {
			s.videos[v.Title] = v
		}
	}
	return nil
}

func (s *seeder) publishList(ctx context.Context, name string) ([]video, error) {
	acc := s.accounts[name]
	var l videoList
	err := s.api.Get(ctx, "/douyin/publish/list/", url.Values{"token": {acc.Token}, "user_id": {apiclient.ID(acc.ID)}}, &l)
	return l.Videos, err
}

// follows makes the demo follows no follow list shows yet.
func (s *seeder) follows(ctx context.Context) error {
	following := map[follow]bool{}
	for _, u := range demoUsers {
		acc := s.accounts[u.name]
		var l userList
		if err := s.api.Get(ctx, "/douyin/relation/follow/list/", url.Values{"token": {acc.Token}, "user_id": {apiclient.ID(acc.ID)}}, &l); err != nil {
			return err
		}
		for _, f := range l.Users {
			following[follow{u.name, s.names[f.ID]}] = true
		}
	}
	for _, f := range demoFollows {
		if following[f] {
			continue
		}
		q := url.Values{"token": {s.accounts[f.from].Token}, "to_user_id": {apiclient.ID(s.accounts[f.to].ID)}, "action_type": {"1"}}
		if err := s.api.Post(ctx, "/douyin/relation/action/", q, nil); err != nil {
			return fmt.Errorf("%s following %s: %w", f.from, f.to, err)
		}
		s.added.follows++
	}
	fmt.Fprintf(s.out, "  follows: %d made, %d there already\n", s.added.follows, len(demoFollows)-s.added.follows)
	return nil
}

// likes makes the demo likes no favorite list shows yet.
func (s *seeder) likes(ctx context.Context) error {
	liked := map[like]bool{}
	for _, u := range demoUsers {
		acc := s.accounts[u.name]
		var l videoList
		if err := s.api.Get(ctx, "/douyin/favorite/list/", url.Values{"token": {acc.Token}, "user_id": {apiclient.ID(acc.ID)}}, &l); err != nil {
			return err
		}
		for _, v := range l.Videos {
			liked[like{u.name, v.Title}] = true
		}
	}
	for _, l := range demoLikes {
		if liked[l] {
			continue
		}
		q := url.Values{"token": {s.accounts[l.user].Token}, "video_id": {apiclient.ID(s.videos[l.title].ID)}, "action_type": {"1"}}
		if err := s.api.Post(ctx, "/douyin/favorite/action/", q, nil); err != nil {
			return fmt.Errorf("%s liking %q: %w", l.user, l.title, err)
		}
		s.added.likes++
	}
	fmt.Fprintf(s.out, "  likes: %d made, %d there already\n", s.added.likes, len(demoLikes)-s.added.likes)
	return nil
}

// comments posts the demo comments no comment list shows yet, oldest first.
func (s *seeder) comments(ctx context.Context) error {
	present := map[comment]bool{}
	read := map[string]bool{}
	for _, c := range demoComments {
		if read[c.title] {
			continue
		}
		read[c.title] = true
		var l commentList
		if err := s.api.Get(ctx, "/douyin/comment/list/", url.Values{"video_id": {apiclient.ID(s.videos[c.title].ID)}}, &l); err != nil {
			return err
		}
		for _, have := range l.Comments {
			present[comment{s.names[have.User.ID], c.title, have.Content}] = true
		}
	}
	for _, c := range demoComments {
		if present[c] {
			continue
		}
		q := url.Values{"token": {s.accounts[c.user].Token}, "video_id": {apiclient.ID(s.videos[c.title].ID)},
			"action_type": {"1"}, "comment_text": {c.text}}
		if err := s.api.Post(ctx, "/douyin/comment/action/", q, nil); err != nil {
			return fmt.Errorf("%s commenting on %q: %w", c.user, c.title, err)
		}
		s.added.comments++
	}
	fmt.Fprintf(s.out, "  comments: %d posted, %d there already\n", s.added.comments, len(demoComments)-s.added.comments)
	return nil
}

// messages sends the demo chat messages no chat shows yet, oldest first.
func (s *seeder) messages(ctx context.Context) error {
	present := map[message]bool{}
	read := map[[2]string]bool{}
	for _, m := range demoMessages {
		pair := [2]string{min(m.from, m.to), max(m.from, m.to)}
		if read[pair] {
			continue
		}
		read[pair] = true
		var c chat
		q := url.Values{"token": {s.accounts[pair[0]].Token}, "to_user_id": {apiclient.ID(s.accounts[pair[1]].ID)}, "pre_msg_time": {"0"}}
		if err := s.api.Get(ctx, "/douyin/message/chat/", q, &c); err != nil {
			return err
		}
		for _, have := range c.Messages {
			from := s.names[have.From]
			to := pair[0]
			if from == pair[0] {
				to = pair[1]
			}
			present[message{from, to, have.Content}] = true
		}
	}
	for _, m := range demoMessages {
		if present[m] {
			continue
		}
		q := url.Values{"token": {s.accounts[m.from].Token}, "to_user_id": {apiclient.ID(s.accounts[m.to].ID)},
			"action_type": {"1"}, "content": {m.text}}
		if err := s.api.Post(ctx, "/douyin/message/action/", q, nil); err != nil {
			return fmt.Errorf("%s writing to %s: %w", m.from, m.to, err)
		}
		s.added.messages++
	}
	fmt.Fprintf(s.out, "  chat messages: %d sent, %d there already\n", s.added.messages, len(demoMessages)-s.added.messages)
	return nil
}

// waitForCovers waits until the media worker has made every demo video's cover, reading the
// publish lists again every coverPoll, for at most s.coverWait.
func (s *seeder) waitForCovers(ctx context.Context) error {
	deadline := time.Now().Add(s.coverWait)
	for {
		if err := s.readVideos(ctx); err != nil {
			return err
		}
		var missing []string
		for _, u := range demoUsers {
			for _, c := range u.clips {
				if strings.HasSuffix(s.videos[c.title].CoverURL, fallbackCover) {
					missing = append(missing, fmt.Sprintf("%q", c.title))
				}
			}
		}
		if len(missing) == 0 {
			fmt.Fprintf(s.out, "  covers: all %d made by the media worker\n", demoClips())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s, %d videos still show the fallback cover (%s): is the media worker running? (its log: var/log/media-worker.log); run the seed again once it is",
				s.coverWait, len(missing), strings.Join(missing, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(coverPoll):
		}
	}
}

// demoClips is how many videos the demo users publish in all.
func demoClips() int {
	n := 0
	for _, u := range demoUsers {
		n += len(u.clips)
	}
	return n
}
