package chaos

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

const (
	seedUsers    = 8
	seedVideos   = 4
	seedPassword = "chaos-password"
	// seedAttempts bounds the retries of one seeding request on a stack that just started.
	seedAttempts = 5
)

// seed registers users, publishes a small clip as users[0..3], and writes the likes, follows, a
// comment and a message the pages and probes read. Every write goes through the ledger, so that
// the final comparison covers the seeding too.
func seed(ctx context.Context, a *api, ledger *Ledger, run string, clip []byte) (*world, error) {
	w := &world{users: make([]account, seedUsers), likedBy: 4, follower: 5}
	for i := range w.users {
		name := fmt.Sprintf("chaos%su%d", run, i)
		err := retrySeed(ctx, "register "+name, func() answer {
			acc, ans := a.register(ctx, name, seedPassword)
			w.users[i] = acc
			return ans
		})
		if err != nil {
			return nil, err
		}
	}
	for i := range seedVideos {
		author := w.users[i]
		err := retrySeed(ctx, "publish", func() answer { return a.publish(ctx, author.Token, fmt.Sprintf("chaos clip %d", i), clip) })
		if err != nil {
			return nil, err
		}
		var list answer
		err = retrySeed(ctx, "publish list", func() answer {
			list = a.get(ctx, "/douyin/publish/list/", url.Values{"token": {author.Token}, "user_id": {id(author.ID)}})
			return list
		})
		if err != nil {
			return nil, err
		}
		if len(list.Body.VideoList) != 1 {
			return nil, fmt.Errorf("seeding: user %d published one video, the publish list shows %d", author.ID, len(list.Body.VideoList))
		}
		w.videos = append(w.videos, list.Body.VideoList[0].ID)
	}
	// users[4..7] like videos 0 and 1 and follow users[0]; users[0] follows users[1].
	for u := 4; u < seedUsers; u++ {
		for _, v := range w.videos[:2] {
			if err := seedWrite(ctx, ledger, KindLike, pairKey(w.users[u].ID, v), func() answer { return a.like(ctx, w.users[u].Token, v, true) }); err != nil {
				return nil, err
			}
		}
		if err := seedWrite(ctx, ledger, KindFollow, pairKey(w.users[u].ID, w.users[0].ID), func() answer { return a.follow(ctx, w.users[u].Token, w.users[0].ID, true) }); err != nil {
			return nil, err
		}
	}
	if err := seedWrite(ctx, ledger, KindFollow, pairKey(w.users[0].ID, w.users[1].ID), func() answer { return a.follow(ctx, w.users[0].Token, w.users[1].ID, true) }); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("chaos %s seed comment", run)
	if err := seedWrite(ctx, ledger, KindComment, text, func() answer {
		return a.comment(ctx, w.users[4].Token, w.videos[0], text, "chaos-"+run+"-seed-comment")
	}); err != nil {
		return nil, err
	}
	text = fmt.Sprintf("chaos %s seed message", run)
	if err := seedWrite(ctx, ledger, KindMessage, text, func() answer {
		return a.message(ctx, w.users[0].Token, w.users[1].ID, text, "chaos-"+run+"-seed-message")
	}); err != nil {
		return nil, err
	}
	w.since = time.Now().UnixMilli()
	return w, nil
}

// seedWrite sends one seeding write through the ledger, retried until acknowledged.
func seedWrite(ctx context.Context, ledger *Ledger, kind Kind, key string, send func() answer) error {
	w := ledger.Begin(kind, key, true, phaseSeed)
	return retrySeed(ctx, string(kind)+" "+key, func() answer {
		ans := send()
		ledger.Record(w, attemptOf(ans, phaseSeed))
		return ans
	})
}

// retrySeed repeats send until it is acknowledged, seedAttempts times at most.
func retrySeed(ctx context.Context, what string, send func() answer) error {
	var ans answer
	for attempt := range seedAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 300 * time.Millisecond):
			}
		}
		if ans = send(); ans.ok() {
			return nil
		}
	}
	return fmt.Errorf("seeding: %s: %s", what, ans.describe())
}

// makeClip makes one second of ffmpeg's test pattern as a small MP4, so that no media file needs
// to be committed.
func makeClip(ctx context.Context, dir string) ([]byte, error) {
	out := filepath.Join(dir, "clip.mp4")
	msg, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
		"-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
		"-preset", "ultrafast", "-y", out).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("making the test clip with ffmpeg: %v: %s", err, tail(msg))
	}
	return os.ReadFile(out)
}
