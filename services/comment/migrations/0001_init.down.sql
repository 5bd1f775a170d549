DROP TABLE IF EXISTS video_comment_counts;
DROP TABLE IF EXISTS comments;
