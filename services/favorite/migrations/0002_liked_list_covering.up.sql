-- A user's favorite list reads the user's likes newest first (ORDER BY id DESC) and needs only the
-- video of each. idx_likes_user_newest (user_id, id) held no video, so MySQL preferred the covering
-- uk_likes_user_video and sorted all of the user's likes (a filesort growing with the user's
-- likes). With the video in it, the list is a backward range of this index alone, cut by its LIMIT.
-- In place and without a lock: reads and writes of likes go on while it builds (docs/deployment.md).
ALTER TABLE likes
  DROP INDEX idx_likes_user_newest,
  ADD INDEX idx_likes_user_newest (user_id, id, video_id),
  ALGORITHM=INPLACE, LOCK=NONE;
