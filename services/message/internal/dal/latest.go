package dal

import (
	"context"
	"fmt"
	"strconv"

	"simpletiktok/services/message/internal/biz"
)

// pair is a conversation, its two users in order (lo < hi).
type pair struct{ lo, hi int64 }

func pairOf(a, b int64) pair {
	lo, hi := ordered(a, b)
	return pair{lo, hi}
}

// key is the id part of a pair's cache key ("3:9").
func (p pair) key() string { return strconv.FormatInt(p.lo, 10) + ":" + strconv.FormatInt(p.hi, 10) }

// LatestOf answers each query's latest messages, with one cache round trip for the pairs of all
// of them and one read of MySQL for the pairs the cache misses.
func (r *Messages) LatestOf(ctx context.Context, queries []biz.LatestQuery) ([]map[int64]*biz.Message, error) {
	var pairs []pair
	for _, q := range queries {
		for _, p := range q.Peers {
			pairs = append(pairs, pairOf(q.User, p))
		}
	}
	got, err := r.latest.Get(ctx, pairs, r.readLatest)
	if err != nil {
		return nil, err
	}
	answers := make([]map[int64]*biz.Message, len(queries))
	for i, q := range queries {
		out := make(map[int64]*biz.Message, len(q.Peers))
		for _, p := range q.Peers {
			if m := got[pairOf(q.User, p)]; m != nil {
				out[p] = m
			}
		}
		answers[i] = out
	}
	return answers, nil
}

// Chat returns the pair's messages after afterMs, oldest first. A poll for messages newer than
// the pair's latest (the usual answer to a phone polling an idle chat) is answered from the
// cached latest message without reading the messages.
func (r *Messages) Chat(ctx context.Context, user, peer, afterMs int64, limit int) ([]*biz.Message, error) {
	p := pairOf(user, peer)
	latest, err := r.latest.Get(ctx, []pair{p}, r.readLatest)
	if err != nil {
		return nil, err
	}
	if m := latest[p]; m == nil || m.CreateTimeMs <= afterMs {
		return []*biz.Message{}, nil
	}
	var rows []messageRow
	err = r.db.WithContext(ctx).Where("user_lo = ? AND user_hi = ? AND create_time_ms > ?", p.lo, p.hi, afterMs).
		Order("create_time_ms, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read chat %d/%d: %w", user, peer, err)
	}
	out := make([]*biz.Message, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toBiz())
	}
	return out, nil
}
