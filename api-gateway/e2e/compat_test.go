//go:build integration

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/cloudwego/kitex/client"

	"simpletiktok/api-gateway/e2e/e2etest"
	"simpletiktok/pkg/kitex_gen/favorite"
	"simpletiktok/pkg/kitex_gen/favorite/favoriteservice"
	"simpletiktok/pkg/kitex_gen/relation"
	"simpletiktok/pkg/kitex_gen/relation/relationservice"
)

// The services still answer the calls a gateway of the previous version makes (favorite's
// VideoStats and UserStats, relation's IsFollowing), as the new calls do, so that services can be
// updated before the gateway without a page losing its counts (docs/deployment.md).
func TestServicesAnswerThePreviousGatewaysCalls(t *testing.T) {
	alice, bob := join(t, "compat"), join(t, "compat")
	follow(t, alice, bob)
	video := publish(t, bob.token, "compat clip")
	e2etest.OK(t, favoriteAction(t, alice.token, video, "1"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fav, err := favoriteservice.NewClient("favorite", client.WithHostPorts(shared.stack.ServiceAddr("favorite")))
	if err != nil {
		t.Fatal(err)
	}
	videos, err := fav.VideoStats(ctx, &favorite.VideoStatsRequest{ViewerId: alice.id, VideoIds: []int64{video}})
	if err != nil {
		t.Fatal(err)
	}
	if s := videos.Stats[video]; s == nil || s.FavoriteCount != 1 || !s.IsFavorite {
		t.Fatalf("favorite.VideoStats = %v; want one like, by the viewer", videos.Stats)
	}
	users, err := fav.UserStats(ctx, &favorite.UserStatsRequest{UserIds: []int64{alice.id, bob.id}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := users.Stats[alice.id], users.Stats[bob.id]; a == nil || b == nil || a.FavoriteCount != 1 || b.TotalFavorited != 1 {
		t.Fatalf("favorite.UserStats = %v; want alice's like given and bob's received", users.Stats)
	}

	rel, err := relationservice.NewClient("relation", client.WithHostPorts(shared.stack.ServiceAddr("relation")))
	if err != nil {
		t.Fatal(err)
	}
	following, err := rel.IsFollowing(ctx, &relation.IsFollowingRequest{ViewerId: alice.id, UserIds: []int64{bob.id}})
	if err != nil {
		t.Fatal(err)
	}
	if !following.Following[bob.id] {
		t.Fatalf("relation.IsFollowing = %v; want alice following bob", following.Following)
	}
}
