// Package idbatch reads the ids of batch calls the same way in every service and in the gateway:
// a lookup of ids (Check) answers the positive ids, each once, in the order first given, at most
// Max of them; a batch of lists (Queries) refuses an id that is not positive. Every batch call
// carries at most MaxQueries queries.
package idbatch

import (
	"simpletiktok/pkg/errno"
	"simpletiktok/pkg/validate"
)

// Max is the most ids one batch call carries. A page of the contract never needs more; the
// gateway splits a longer list into batches.
const Max = 500

// Unique returns the positive ids among ids, each once, in the order they first appear.
func Unique(ids []int64) []int64 {
	seen := make(map[int64]struct{}, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; id > 0 && !dup {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// Check is Unique, refusing more than Max ids with errno.BadRequest; what names them ("user").
func Check(ids []int64, what string) ([]int64, error) {
	out := Unique(ids)
	if len(out) > Max {
		return nil, errno.BadRequest.WithMsg("at most %d %s ids per request", Max, what)
	}
	return out, nil
}

// MaxQueries is the most queries one call of a batch method (favorite.Stats, say) carries:
// the gateway merges at most this many pages' questions into one call.
const MaxQueries = 64

// CheckQueries refuses a batch of n queries when it is empty or holds more than MaxQueries.
func CheckQueries(n int) error {
	if n == 0 || n > MaxQueries {
		return errno.BadRequest.WithMsg("a batch call carries 1 to %d queries, not %d", MaxQueries, n)
	}
	return nil
}

// Queries reads the one id each query of a batch of lists asks about (whose list: a user's, a
// video's): each[i] is queries[i]'s, and distinct holds them once each, in the order first given,
// for one read of all of them. It refuses a batch CheckQueries refuses, and a batch with an id
// that is not positive (validate.ID, naming field): a list is asked for by the phone, and asking
// for user 0's is its mistake, unlike a lookup (Check), where an id that cannot exist is simply
// not found.
func Queries[Q any](queries []Q, field string, id func(Q) int64) (each, distinct []int64, err error) {
	if err := CheckQueries(len(queries)); err != nil {
		return nil, nil, err
	}
	each = make([]int64, len(queries))
	seen := make(map[int64]bool, len(queries))
	for i, q := range queries {
		each[i] = id(q)
		if err := validate.ID(field, each[i]); err != nil {
			return nil, nil, err
		}
		if !seen[each[i]] {
			seen[each[i]] = true
			distinct = append(distinct, each[i])
		}
	}
	return each, distinct, nil
}
