ALTER TABLE likes
  DROP INDEX idx_likes_user_newest,
  ADD INDEX idx_likes_user_newest (user_id, id),
  ALGORITHM=INPLACE, LOCK=NONE;
