DROP TABLE IF EXISTS user_favorite_stats;
DROP TABLE IF EXISTS video_favorite_stats;
DROP TABLE IF EXISTS likes;
