package application_test

import (
	"context"
	"testing"

	"simpletiktok/api-gateway/internal/application"
	"simpletiktok/api-gateway/internal/fakes"
	"simpletiktok/api-gateway/internal/media"
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/relation"
)

// Each use case that changes something reports its event once it succeeded, and none when the
// service refused it or could not be reached; a login refused for its credentials is the one
// failure that is an event of its own.
func TestBusinessEvents(t *testing.T) {
	ctx := context.Background()
	type useCase struct {
		event, method string // the event, and the service call that can fail it
		run           func(a *application.App) error
	}
	uses := []useCase{
		{"registered", "user.Register", func(a *application.App) error { _, _, err := a.Register(ctx, "alice", "pw"); return err }},
		{"login ok", "user.Login", func(a *application.App) error { _, _, err := a.Login(ctx, "alice", "pw"); return err }},
		{"published", "video.Publish", func(a *application.App) error { return a.Publish(ctx, 7, "title", &media.Spooled{}) }},
		{"like", "favorite.FavoriteAction", func(a *application.App) error { return a.FavoriteAction(ctx, 7, 3, favorite.FavoriteAction_LIKE) }},
		{"unlike", "favorite.FavoriteAction", func(a *application.App) error { return a.FavoriteAction(ctx, 7, 3, favorite.FavoriteAction_UNLIKE) }},
		{"comment posted", "comment.PostComment", func(a *application.App) error { _, err := a.PostComment(ctx, 7, 3, "hi", ""); return err }},
		{"comment deleted", "comment.DeleteComment", func(a *application.App) error { return a.DeleteComment(ctx, 7, 3, 55) }},
		{"follow", "relation.RelationAction", func(a *application.App) error { return a.RelationAction(ctx, 7, 8, relation.RelationAction_FOLLOW) }},
		{"unfollow", "relation.RelationAction", func(a *application.App) error { return a.RelationAction(ctx, 7, 8, relation.RelationAction_UNFOLLOW) }},
		{"message", "message.SendMessage", func(a *application.App) error { return a.SendMessage(ctx, 7, 8, "hello", "") }},
	}
	for _, u := range uses {
		b := fakes.New()
		a, events := newAppEvents(b, &fakeMedia{})
		if err := u.run(a); err != nil {
			t.Fatalf("%s: %v", u.event, err)
		}
		if events.Count(u.event) != 1 || events.Total() != 1 {
			t.Errorf("%s: events %d of %d; want exactly that one", u.event, events.Count(u.event), events.Total())
		}
		for _, failure := range []error{fakes.BizErr(errno.BadRequest), fakes.Unreachable()} {
			b := fakes.New()
			b.Fail(u.method, failure)
			a, events := newAppEvents(b, &fakeMedia{})
			if err := u.run(a); err == nil {
				t.Fatalf("%s: no error with %s failing", u.event, u.method)
			}
			if events.Total() != 0 {
				t.Errorf("%s: a failed use case reported an event (%v)", u.event, failure)
			}
		}
	}

	b := fakes.New()
	b.Fail("user.Login", fakes.BizErr(errno.UserLoginFailed))
	a, events := newAppEvents(b, nil)
	if _, _, err := a.Login(ctx, "alice", "wrong"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if events.Count("login failed") != 1 || events.Total() != 1 {
		t.Fatalf("a refused login: %d failed logins of %d events; want 1 of 1", events.Count("login failed"), events.Total())
	}
}
