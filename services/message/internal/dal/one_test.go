package dal

import (
	"context"

	"simpletiktok/services/message/internal/biz"
)

// The reads of one user's or one video's list, for the tests: the service reads them in batches.

// Latest returns the latest message between user and each peer that has one, from the cache
// where it has the pair.
func (r *Messages) Latest(ctx context.Context, user int64, peers []int64) (map[int64]*biz.Message, error) {
	answers, err := r.LatestOf(ctx, []biz.LatestQuery{{User: user, Peers: peers}})
	if err != nil {
		return nil, err
	}
	return answers[0], nil
}
