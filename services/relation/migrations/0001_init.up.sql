-- The relation service's schema as the release before versioned migrations left it. IF NOT
-- EXISTS lets this first migration adopt a schema that gorm AutoMigrate created.

-- A follow is a row per pair, kept when undone (active = 0); the two indexes serve the follow
-- and follower lists, newest first.
CREATE TABLE IF NOT EXISTS follows (
  id          BIGINT NOT NULL AUTO_INCREMENT,
  follower_id BIGINT NOT NULL,
  followee_id BIGINT NOT NULL,
  active      TINYINT(1) NOT NULL,
  created_at  DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_follows_pair (follower_id, followee_id),
  KEY idx_follows_follower_time (follower_id, active, created_at),
  KEY idx_follows_followee_time (followee_id, active, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS user_stats (
  user_id        BIGINT NOT NULL,
  follow_count   BIGINT NOT NULL DEFAULT 0,
  follower_count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
