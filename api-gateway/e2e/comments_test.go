//go:build integration

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"simpletiktok/api-gateway/e2e/e2etest"
)

var commentFields = []string{"id", "user", "content", "create_date"}

func postComment(t *testing.T, token string, videoID int64, text string) e2etest.Answer {
	return shared.phone.Post(t, "/douyin/comment/action/", e2etest.Vals("token", token, "video_id", fmt.Sprint(videoID),
		"action_type", "1", "comment_text", text))
}

// deleteComment deletes a comment, and checks the answer's shape: whatever the outcome, a delete
// answers status_code and status_msg only, with no comment key at all, as the demo server does.
// (Errorf, not Fatalf: deletes also run in the goroutines of atOnce.)
func deleteComment(t *testing.T, token string, videoID, commentID int64) e2etest.Answer {
	t.Helper()
	a := shared.phone.Post(t, "/douyin/comment/action/", e2etest.Vals("token", token, "video_id", fmt.Sprint(videoID),
		"action_type", "2", "comment_id", fmt.Sprint(commentID)))
	if _, present := a.Body["comment"]; present {
		t.Errorf("a comment delete answered a comment key: %s", a.Raw)
	}
	return a
}

func commentList(t *testing.T, token string, videoID int64) []map[string]any {
	t.Helper()
	kv := []string{"video_id", fmt.Sprint(videoID)}
	if token != "" {
		kv = append(kv, "token", token)
	}
	return listField(t, shared.phone.Get(t, "/douyin/comment/list/", e2etest.Vals(kv...)), "comment_list")
}

// commentCount is the video's comment_count as its author's publish list shows it.
func commentCount(t *testing.T, token string, authorID, videoID int64) int64 {
	t.Helper()
	v := e2etest.WithID(publishList(t, token, authorID), videoID)
	if v == nil {
		t.Fatalf("video %d is not in the publish list of %d", videoID, authorID)
	}
	return e2etest.AsInt(v["comment_count"])
}

// shanghaiDay is today's "MM-DD" in the default zone of comment dates.
func shanghaiDay(at time.Time) string {
	return at.In(time.FixedZone("CST", 8*3600)).Format("01-02")
}

// Several users comment with odd content; the comments come back verbatim, newest first, with
// their users as the caller sees them, and comment_count follows every post and delete.
func TestCommentsFromSeveralUsers(t *testing.T) {
	authorID, authorTok := account(t, "filmmaker")
	v := publish(t, authorTok, "comment on me")
	u1, tok1 := account(t, "critic")
	u2, tok2 := account(t, "troll")

	texts := []string{
		"<script>alert('x')</script><b>bold</b> &amp; &lt;",
		"多语言评论 😀🎉 \"quotes\" 'apostrophes' \\ backslash",
		"line one\nline two\ttabbed",
		"  spaces around  ",
		"%00 %zz + = & ? # ;--",
		strings.Repeat("长", 500),
	}
	var posted []map[string]any
	for i, text := range texts {
		tok, uid := tok1, u1
		if i%2 == 1 {
			tok, uid = tok2, u2
		}
		before := time.Now()
		a := e2etest.OK(t, postComment(t, tok, v, text))
		c := a.Obj("comment")
		sameKeys(t, "comment", c, commentFields)
		sameKeys(t, "comment user", c["user"].(map[string]any), userFields)
		if c["content"] != text || e2etest.AsInt(c["user"].(map[string]any)["id"]) != uid || e2etest.AsInt(c["id"]) <= 0 {
			t.Fatalf("posted %q, answered %v", text, c)
		}
		if d := c["create_date"]; d != shanghaiDay(before) && d != shanghaiDay(time.Now()) {
			t.Fatalf("create_date %v; want today in Asia/Shanghai (%s)", d, shanghaiDay(before))
		}
		posted = append(posted, c)
	}
	// A form body is read like the query.
	form := e2etest.OK(t, shared.phone.PostForm(t, "/douyin/comment/action/", e2etest.Vals("token", tok1, "video_id", fmt.Sprint(v),
		"action_type", "1", "comment_text", "sent as a form")))
	posted = append(posted, form.Obj("comment"))

	// Newest first, verbatim, and the count equals the list; anonymous callers may read it.
	for _, tok := range []string{tok1, ""} {
		got := commentList(t, tok, v)
		if len(got) != len(posted) {
			t.Fatalf("list has %d comments; want %d", len(got), len(posted))
		}
		for i, c := range got {
			want := posted[len(posted)-1-i]
			if e2etest.AsInt(c["id"]) != e2etest.AsInt(want["id"]) || c["content"] != want["content"] {
				t.Fatalf("comment %d = %v; want %v", i, c, want)
			}
			sameKeys(t, "listed comment", c, commentFields)
		}
	}
	if n := commentCount(t, tok2, authorID, v); n != int64(len(posted)) {
		t.Fatalf("comment_count %d; want %d", n, len(posted))
	}

	// Deleting as the wrong user is refused and changes nothing.
	victim := e2etest.AsInt(posted[0]["id"])
	if a := e2etest.Refused(t, deleteComment(t, tok2, v, victim)); a.Code() != 14004 {
		t.Fatalf("delete by another user: %s; want 14004", a.Raw)
	}
	if n := len(commentList(t, tok1, v)); n != len(posted) {
		t.Fatalf("a refused delete removed a comment: %d left", n)
	}
	// The video's author may delete anyone's comment; the comment's author their own. Deleting
	// again succeeds for either, like a repeated unlike, and changes nothing; a stranger is still
	// refused.
	e2etest.OK(t, deleteComment(t, authorTok, v, e2etest.AsInt(posted[1]["id"])))
	e2etest.OK(t, deleteComment(t, tok1, v, victim))
	e2etest.OK(t, deleteComment(t, tok1, v, victim))
	e2etest.OK(t, deleteComment(t, authorTok, v, victim))
	if a := e2etest.Refused(t, deleteComment(t, tok2, v, victim)); a.Code() != 14004 {
		t.Fatalf("repeated delete by another user: %s; want 14004", a.Raw)
	}
	left := commentList(t, tok2, v)
	if len(left) != len(posted)-2 || e2etest.WithID(left, victim) != nil || e2etest.WithID(left, e2etest.AsInt(posted[1]["id"])) != nil {
		t.Fatalf("after two deletes the list is %v", videoIDs(left))
	}
	if n := commentCount(t, tok2, authorID, v); n != int64(len(left)) {
		t.Fatalf("comment_count %d but the list shows %d", n, len(left))
	}
	if n := e2etest.AsInt(feedVideo(t, "", v)["comment_count"]); n != int64(len(left)) {
		t.Fatalf("the feed shows comment_count %d; the list shows %d", n, len(left))
	}
}

func TestCommentRefusals(t *testing.T) {
	_, authorTok := account(t, "quiet")
	v := publish(t, authorTok, "no comments please")
	_, tok := account(t, "talker")
	vid := fmt.Sprint(v)
	cases := []struct {
		what string
		kv   []string
		want int64
	}{
		{"empty", []string{"video_id", vid, "action_type", "1", "comment_text", ""}, 14003},
		{"no text", []string{"video_id", vid, "action_type", "1"}, 14003},
		{"only spaces", []string{"video_id", vid, "action_type", "1", "comment_text", " \t\n\u3000"}, 14003},
		{"501 characters", []string{"video_id", vid, "action_type", "1", "comment_text", strings.Repeat("x", 501)}, 14003},
		{"invalid UTF-8", []string{"video_id", vid, "action_type", "1", "comment_text", "bad \xff byte"}, 14003},
		{"missing video", []string{"video_id", "999999999", "action_type", "1", "comment_text", "hi"}, 12001},
		{"action 3", []string{"video_id", vid, "action_type", "3", "comment_text", "hi"}, 14002},
		{"no action", []string{"video_id", vid, "comment_text", "hi"}, 14002},
		{"delete without comment_id", []string{"video_id", vid, "action_type", "2"}, 10001},
		{"delete of a missing comment", []string{"video_id", vid, "action_type", "2", "comment_id", "999999999"}, 14001},
		{"no video_id", []string{"action_type", "1", "comment_text", "hi"}, 10001},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			a := e2etest.Refused(t, shared.phone.Post(t, "/douyin/comment/action/", e2etest.Vals(append([]string{"token", tok}, c.kv...)...)))
			if a.Code() != c.want {
				t.Fatalf("status_code %d (%s); want %d", a.Code(), a.Str("status_msg"), c.want)
			}
			comment, present := a.Body["comment"]
			switch isDelete := e2etest.Vals(c.kv...).Get("action_type") == "2"; {
			case isDelete && present:
				t.Fatalf("a refused delete must carry no comment key, got %s", a.Raw)
			case !isDelete && (!present || comment != nil):
				t.Fatalf("a refused post must carry comment: null, got %s", a.Raw)
			}
		})
	}
	// Refused before the comment is read (no token), the answers have the same shapes.
	del := e2etest.Refused(t, deleteComment(t, "", v, 1))
	post := e2etest.Refused(t, postComment(t, "", v, "anonymous"))
	if comment, present := post.Body["comment"]; del.Code() != 10002 || post.Code() != 10002 || !present || comment != nil {
		t.Fatalf("without a token: delete %s, post %s; want 10002, and comment: null on the post", del.Raw, post.Raw)
	}
	if got := commentList(t, tok, v); len(got) != 0 {
		t.Fatalf("refused posts were stored: %v", got)
	}
	if a := e2etest.Refused(t, shared.phone.Get(t, "/douyin/comment/list/", e2etest.Vals("video_id", "x"))); a.Code() != 10001 {
		t.Fatalf("list with a bad video_id: %s", a.Raw)
	}
}

// Posts and deletes from several users at the same time, deletes repeated: comment_count ends
// equal to what the list shows.
func TestConcurrentCommentsKeepTheCount(t *testing.T) {
	authorID, authorTok := account(t, "busy")
	v := publish(t, authorTok, "busy thread")
	const users, each = 4, 8
	toks := make([]string, users)
	for i := range toks {
		_, toks[i] = account(t, fmt.Sprint("chatty", i))
	}
	var posts []phoneCall
	for _, tok := range toks {
		for j := 0; j < each; j++ {
			posts = append(posts, func() e2etest.Answer { return postComment(t, tok, v, fmt.Sprint("note ", j)) })
		}
	}
	allOK(t, posts)
	all := commentList(t, authorTok, v)
	if len(all) != users*each || commentCount(t, authorTok, authorID, v) != users*each {
		t.Fatalf("after %d posts: list %d, comment_count %d", users*each, len(all), commentCount(t, authorTok, authorID, v))
	}

	// At once: every other comment is deleted twice by the video's author, while new ones arrive.
	// Both deletes of a pair succeed, and the comment is counted off once.
	var mixed []phoneCall
	for i, c := range all {
		if i%2 == 0 {
			id := e2etest.AsInt(c["id"])
			del := func() e2etest.Answer { return deleteComment(t, authorTok, v, id) }
			mixed = append(mixed, del, del)
		}
	}
	for _, tok := range toks {
		mixed = append(mixed, func() e2etest.Answer { return postComment(t, tok, v, "late") })
	}
	for _, a := range atOnce(t, mixed) {
		e2etest.OK(t, a)
	}
	left := commentList(t, authorTok, v)
	want := users*each/2 + users
	if len(left) != want || commentCount(t, authorTok, authorID, v) != int64(want) {
		t.Fatalf("list %d, comment_count %d; want %d", len(left), commentCount(t, authorTok, authorID, v), want)
	}
}

// A comment list costs the same calls, once each, whether it holds one comment or five: the list,
// then the calls that show its users (their profiles only when the gateway has not kept them yet).
func TestCommentListCallsDoNotDependOnLength(t *testing.T) {
	_, authorTok := account(t, "lister")
	quiet, busy := publish(t, authorTok, "one comment"), publish(t, authorTok, "five comments")
	e2etest.OK(t, postComment(t, authorTok, quiet, "only one"))
	for i := 0; i < 5; i++ {
		_, tok := account(t, fmt.Sprint("voice", i))
		e2etest.OK(t, postComment(t, tok, busy, fmt.Sprint("voice ", i)))
	}
	want := []string{"comment::ListComments", "relation::UserStats", "favorite::Stats", "video::CountWorks"}
	for name, c := range map[string]struct {
		video int64
		n     int
	}{"1 comment": {quiet, 1}, "5 comments": {busy, 5}} {
		a := shared.phone.Get(t, "/douyin/comment/list/", e2etest.Vals("token", authorTok, "video_id", fmt.Sprint(c.video)))
		if n := len(listField(t, a, "comment_list")); n != c.n {
			t.Fatalf("%s: the list holds %d comments", name, n)
		}
		expectCallsOnce(t, name, a.TraceID, want, profileCall)
	}
}
