-- A post without an idempotency key that repeats the same text on the same video within seconds
-- answers the first comment (docs/api.md, "Repeating a write"). The post looks for that comment in
-- a range of this index (video, author, since the start of the window), not through the video's
-- whole list.
ALTER TABLE comments ADD KEY idx_comments_video_user_time (video_id, user_id, created_at);
