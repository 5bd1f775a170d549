package main

import (
	"context"
	"log/slog"

	"simpletiktok/pkg/idbatch"
	"simpletiktok/pkg/kitex_gen/video"
	"simpletiktok/pkg/rpc"
	"simpletiktok/services/video/internal/biz"
)

// handler adapts Kitex calls to the video rules.
type handler struct {
	videos *biz.Videos
	log    *slog.Logger
}

func (h *handler) Publish(ctx context.Context, req *video.PublishRequest) (*video.PublishResponse, error) {
	id, err := h.videos.Publish(ctx, req.AuthorId, req.Title, req.PlayKey)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	h.log.InfoContext(ctx, "video published", "video_id", id, "author_id", req.AuthorId)
	return &video.PublishResponse{VideoId: id}, nil
}

func (h *handler) Feed(ctx context.Context, req *video.FeedRequest) (*video.FeedResponse, error) {
	videos, next, err := h.videos.Feed(ctx, req.LatestTimeMs, int(req.Limit))
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	works, err := h.videos.AuthorWorks(ctx, videos)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &video.FeedResponse{Videos: toProtoList(videos), NextTimeMs: next, WorkCounts: works}, nil
}

// FeedBatch answers several pages of the feed, read together; each page carries the work counts
// of its own authors.
func (h *handler) FeedBatch(ctx context.Context, req *video.FeedBatchRequest) (*video.FeedBatchResponse, error) {
	queries := make([]biz.FeedQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.FeedQuery{BeforeMs: q.GetLatestTimeMs(), Limit: int(q.GetLimit())}
	}
	pages, err := h.videos.FeedBatch(ctx, queries)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	var all []*biz.Video
	for _, p := range pages {
		all = append(all, p.Videos...)
	}
	works, err := h.videos.AuthorWorks(ctx, all)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &video.FeedBatchResponse{Answers: make([]*video.FeedResponse, len(pages))}
	for i, p := range pages {
		own := make(map[int64]int64, len(p.Videos))
		for _, v := range p.Videos {
			own[v.AuthorID] = works[v.AuthorID]
		}
		resp.Answers[i] = &video.FeedResponse{Videos: toProtoList(p.Videos), NextTimeMs: p.NextMs, WorkCounts: own}
	}
	return resp, nil
}

func (h *handler) ListByAuthor(ctx context.Context, req *video.ListByAuthorRequest) (*video.ListByAuthorResponse, error) {
	videos, err := h.videos.ListByAuthor(ctx, req.AuthorId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	works, err := h.videos.AuthorWorks(ctx, videos)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &video.ListByAuthorResponse{Videos: toProtoList(videos), WorkCounts: works}, nil
}

func (h *handler) MGetVideos(ctx context.Context, req *video.MGetVideosRequest) (*video.MGetVideosResponse, error) {
	videos, err := h.videos.MGet(ctx, req.VideoIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	works, err := h.videos.AuthorWorks(ctx, videos)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &video.MGetVideosResponse{Videos: toProtoList(videos), WorkCounts: works}, nil
}

func (h *handler) CountWorks(ctx context.Context, req *video.CountWorksRequest) (*video.CountWorksResponse, error) {
	counts, err := h.videos.CountWorks(ctx, req.UserIds)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &video.CountWorksResponse{WorkCounts: counts}, nil
}

func (h *handler) SetCover(ctx context.Context, req *video.SetCoverRequest) (*video.SetCoverResponse, error) {
	kept, err := h.videos.SetCover(ctx, req.VideoId, req.CoverKey)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	return &video.SetCoverResponse{CoverKey: kept}, nil
}

func toProto(v *biz.Video) *video.Video {
	return &video.Video{Id: v.ID, AuthorId: v.AuthorID, Title: v.Title, PlayKey: v.PlayKey,
		CoverKey: v.CoverKey, PublishTimeMs: v.PublishTimeMs}
}

func toProtoList(videos []*biz.Video) []*video.Video {
	out := make([]*video.Video, 0, len(videos))
	for _, v := range videos {
		out = append(out, toProto(v))
	}
	return out
}

// ListByAuthorBatch answers several pages' ListByAuthor, read together: the lists, the videos and
// their authors' work counts of all of them with one cache round trip each.
func (h *handler) ListByAuthorBatch(ctx context.Context, req *video.ListByAuthorBatchRequest) (*video.ListByAuthorBatchResponse, error) {
	authors, distinct, err := idbatch.QueryIDs(req.Queries, (*video.ListByAuthorRequest).GetAuthorId)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	lists, err := h.videos.ListByAuthors(ctx, distinct)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	var listed []int64 // the authors with videos: the counts an answer carries
	for _, a := range distinct {
		if len(lists[a]) > 0 {
			listed = append(listed, a)
		}
	}
	works, err := h.videos.CountWorks(ctx, listed)
	if err != nil {
		return nil, rpc.ServerError(ctx, h.log, err)
	}
	resp := &video.ListByAuthorBatchResponse{Answers: make([]*video.ListByAuthorResponse, len(authors))}
	for i, a := range authors {
		answer := &video.ListByAuthorResponse{Videos: toProtoList(lists[a])}
		if len(lists[a]) > 0 { // as ListByAuthor: the counts of the videos' authors, here a alone
			answer.WorkCounts = map[int64]int64{a: works[a]}
		}
		resp.Answers[i] = answer
	}
	return resp, nil
}
