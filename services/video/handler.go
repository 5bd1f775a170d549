package main

import (
	"context"
	"log/slog"

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
		return nil, err
	}
	rpc.Wrote(ctx, h.log, "video.publish", true, "author_id", req.AuthorId, "video_id", id)
	return &video.PublishResponse{VideoId: id}, nil
}

// Feed answers several pages of the feed, read together; each page carries the work counts of its
// own authors.
func (h *handler) Feed(ctx context.Context, req *video.FeedRequest) (*video.FeedResponse, error) {
	queries := make([]biz.FeedQuery, len(req.Queries))
	for i, q := range req.Queries {
		queries[i] = biz.FeedQuery{BeforeMs: q.GetLatestTimeMs(), Limit: int(q.GetLimit())}
	}
	pages, err := h.videos.Feed(ctx, queries)
	if err != nil {
		return nil, err
	}
	resp := &video.FeedResponse{Answers: make([]*video.FeedAnswer, len(pages))}
	for i, p := range pages {
		resp.Answers[i] = &video.FeedAnswer{Videos: toProtoList(p.Videos), NextTimeMs: p.NextMs, WorkCounts: p.Works}
	}
	return resp, nil
}

// ListByAuthor answers several pages' publish lists, read together: the lists, the videos and
// their authors' work counts of all of them with one cache round trip each.
func (h *handler) ListByAuthor(ctx context.Context, req *video.ListByAuthorRequest) (*video.ListByAuthorResponse, error) {
	authors := make([]int64, len(req.Queries))
	for i, q := range req.Queries {
		authors[i] = q.GetAuthorId()
	}
	lists, err := h.videos.ListByAuthor(ctx, authors)
	if err != nil {
		return nil, err
	}
	resp := &video.ListByAuthorResponse{Answers: make([]*video.ListByAuthorAnswer, len(lists))}
	for i, l := range lists {
		resp.Answers[i] = &video.ListByAuthorAnswer{Videos: toProtoList(l.Videos), WorkCounts: l.Works}
	}
	return resp, nil
}

func (h *handler) MGetVideos(ctx context.Context, req *video.MGetVideosRequest) (*video.MGetVideosResponse, error) {
	videos, works, err := h.videos.MGet(ctx, req.VideoIds)
	if err != nil {
		return nil, err
	}
	return &video.MGetVideosResponse{Videos: toProtoList(videos), WorkCounts: works}, nil
}

func (h *handler) CountWorks(ctx context.Context, req *video.CountWorksRequest) (*video.CountWorksResponse, error) {
	counts, err := h.videos.CountWorks(ctx, req.UserIds)
	if err != nil {
		return nil, err
	}
	return &video.CountWorksResponse{WorkCounts: counts}, nil
}

func (h *handler) SetCover(ctx context.Context, req *video.SetCoverRequest) (*video.SetCoverResponse, error) {
	kept, err := h.videos.SetCover(ctx, req.VideoId, req.CoverKey)
	if err != nil {
		return nil, err
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
