ALTER TABLE comments DROP INDEX idx_comments_video_user_time;
