//go:build integration

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/config"
	"simpletiktok/pkg/db"
	"simpletiktok/pkg/db/dbtest"
)

// freeze stops the named processes of the stack (SIGSTOP): they neither answer nor exit, as a
// hung service does, so the supervisor leaves them be. thaw lets them run again; the test's
// cleanup thaws them in any case.
func freeze(t *testing.T, names ...string) (thaw func()) {
	t.Helper()
	var pids []int
	for _, st := range shared.stack.Status() {
		for _, n := range names {
			if st.Name == n && st.PID > 0 {
				pids = append(pids, st.PID)
			}
		}
	}
	if len(pids) != len(names) {
		t.Fatalf("processes of %v: found pids %v", names, pids)
	}
	var once sync.Once
	thaw = func() {
		once.Do(func() {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGCONT)
			}
		})
	}
	t.Cleanup(thaw)
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}
	return thaw
}

// decorations are what a video shows besides its rows.
func decorations(v map[string]any) string {
	return fmt.Sprintf("favorite_count %d, comment_count %d, is_favorite %v",
		e2etest.AsInt(v["favorite_count"]), e2etest.AsInt(v["comment_count"]), v["is_favorite"])
}

// With the favorite and comment services hung, the feed and the publish list still answer with
// their videos, counts at zero; the gateway says so in its log and its metrics. Writes to the hung
// services get no answer in time: the gateway cannot know whether they were carried out, and says
// so (10010, never a "failed" code); they are not, not even once the services run again (the
// deadline travels with the call, and a request read after it is not run).
func TestPagesDegradeWhileDecoratingServicesHang(t *testing.T) {
	authorID, authorTok := account(t, "hangauthor")
	_, fanTok := account(t, "hangfan")
	lateID, lateTok := account(t, "hanglate")
	v := publish(t, authorTok, "shown while favorite hangs")
	e2etest.OK(t, favoriteAction(t, fanTok, v, "1"))
	e2etest.OK(t, postComment(t, fanTok, v, "before the hang"))
	whole := "favorite_count 1, comment_count 1, is_favorite true"
	if got := decorations(feedVideo(t, fanTok, v)); got != whole {
		t.Fatalf("before the hang the feed shows %s; want %s", got, whole)
	}
	before := scrapeOf(t, "api-gateway")

	thaw := freeze(t, "favorite", "comment")
	zero := "favorite_count 0, comment_count 0, is_favorite false"
	fv := feedVideo(t, fanTok, v)
	if got := decorations(fv); got != zero || fv["title"] != "shown while favorite hangs" ||
		e2etest.AsInt(fv["author"].(map[string]any)["id"]) != authorID {
		t.Fatalf("the feed with favorite and comment hung shows %v; want the video and its author, %s", fv, zero)
	}
	pv := e2etest.WithID(publishList(t, fanTok, authorID), v)
	if pv == nil || decorations(pv) != zero {
		t.Fatalf("the publish list with favorite and comment hung shows %v; want the video, %s", pv, zero)
	}
	if a := favoriteAction(t, lateTok, v, "1"); a.Code() != 10010 {
		t.Fatalf("a like while favorite hangs = %s; want 10010 (outcome unknown)", a.Raw)
	}
	if a := postComment(t, lateTok, v, "while it hangs"); a.Code() != 10010 || a.Body["comment"] != nil {
		t.Fatalf("a comment while comment hangs = %s; want 10010 and comment null", a.Raw)
	}
	after := scrapeOf(t, "api-gateway")
	moved(t, "api-gateway", before, after, []growth{
		{"tiktok_degraded_pages_total", l("page", "/douyin/feed/"), 1},
		{"tiktok_degraded_pages_total", l("page", "/douyin/publish/list/"), 1},
	})
	logged, err := os.ReadFile(filepath.Join(shared.stack.LogDir(), "api-gateway.log"))
	if err != nil || !strings.Contains(string(logged), "page served without some decorations") {
		t.Fatalf("the gateway's log (%v) does not say a page was degraded", err)
	}

	thaw()
	eventually(t, func() error {
		if got := decorations(feedVideo(t, fanTok, v)); got != whole {
			return fmt.Errorf("after the services run again the feed shows %s; want %s", got, whole)
		}
		return nil
	})
	if liked := favoriteList(t, lateTok, lateID); len(liked) != 0 {
		t.Fatalf("the like sent to the hung service took effect later: %v", liked)
	}
	if list := commentList(t, lateTok, v); len(list) != 1 {
		t.Fatalf("the comment sent to the hung service took effect later: %v", list)
	}
}

// postKeyed posts a comment with an idempotency key.
func postKeyed(t *testing.T, token string, videoID int64, text, key string) e2etest.Answer {
	t.Helper()
	params := e2etest.Vals("token", token, "video_id", fmt.Sprint(videoID), "action_type", "1", "comment_text", text)
	req := shared.phone.Request(t, http.MethodPost, "/douyin/comment/action/", params)
	req.Header.Set("Idempotency-Key", key)
	return shared.phone.Do(t, req)
}

// serviceDB opens a service's schema of the stack directly, for what only the database can do to
// it (lock a table).
func serviceDB(t *testing.T, service string) *sql.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), config.MySQL{DSN: dbtest.DSN(), Database: shared.schemaPrefix + service},
		opentracing.NoopTracer{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return sqlDB
}

// A comment whose table is locked for longer than the gateway waits is answered 10007 and is not
// there once the lock is gone: the deadline reached the comment service's SQL, which rolled back.
// Sent again with the same idempotency key, it is posted, once.
func TestATimedOutCommentIsNotThere(t *testing.T) {
	authorID, tok := account(t, "lockedout")
	v := publish(t, tok, "locked comments")
	ctx := context.Background()
	comments := serviceDB(t, "comment")
	locker, err := comments.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(ctx, "LOCK TABLES comments WRITE"); err != nil {
		t.Fatal(err)
	}
	key := e2etest.Unique("e2e-lock-")
	a := postKeyed(t, tok, v, "written under a lock", key)
	if _, err := locker.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	if a.Code() != 10007 {
		t.Fatalf("a comment on a locked table = %s; want 10007 (timed out)", a.Raw)
	}
	// The abandoned statement holds its uncommitted insert until MariaDB notices its client is
	// gone; wait for every statement on the schema but ours to end, then look.
	for i := 0; ; i++ {
		var running int
		err := locker.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "+
			"WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND = 'Query'", shared.schemaPrefix+"comment").Scan(&running)
		if err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("%d statements still run on the comment schema", running)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if list := commentList(t, tok, v); len(list) != 0 || commentCount(t, tok, authorID, v) != 0 {
		t.Fatalf("after a comment that timed out: list %v, count %d; want none", list, commentCount(t, tok, authorID, v))
	}

	first := e2etest.OK(t, postKeyed(t, tok, v, "written under a lock", key))
	again := e2etest.OK(t, postKeyed(t, tok, v, "written under a lock", key))
	if e2etest.AsInt(first.Obj("comment")["id"]) != e2etest.AsInt(again.Obj("comment")["id"]) {
		t.Fatalf("the repeated post answered %s, then %s; want one comment", first.Raw, again.Raw)
	}
	if list := commentList(t, tok, v); len(list) != 1 || commentCount(t, tok, authorID, v) != 1 {
		t.Fatalf("after a post and its repetition: list %v; want one comment, counted once", list)
	}
}
