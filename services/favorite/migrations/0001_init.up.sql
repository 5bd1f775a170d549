-- The favorite service's schema as the release before versioned migrations left it. IF NOT
-- EXISTS lets this first migration adopt a schema that gorm AutoMigrate created.
CREATE TABLE IF NOT EXISTS likes (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  user_id    BIGINT NOT NULL,
  video_id   BIGINT NOT NULL,
  author_id  BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_likes_user_video (user_id, video_id),
  KEY idx_likes_user_newest (user_id, id),
  KEY idx_likes_video (video_id),
  KEY idx_likes_author (author_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS video_favorite_stats (
  video_id       BIGINT NOT NULL,
  favorite_count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (video_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS user_favorite_stats (
  user_id         BIGINT NOT NULL,
  favorite_count  BIGINT NOT NULL DEFAULT 0,
  total_favorited BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
