-- The video service's schema as the release before versioned migrations left it. IF NOT EXISTS
-- and INSERT IGNORE let this first migration adopt a schema that gorm AutoMigrate created.

-- uk_videos_publish_time keeps publish times unique and serves the feed's backward range scan;
-- idx_videos_author_time serves one author's publish list the same way.
CREATE TABLE IF NOT EXISTS videos (
  id              BIGINT NOT NULL AUTO_INCREMENT,
  author_id       BIGINT NOT NULL,
  title           VARCHAR(100) NOT NULL,
  play_key        VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  cover_key       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  publish_time_ms BIGINT NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_videos_play_key (play_key),
  UNIQUE KEY uk_videos_publish_time (publish_time_ms),
  KEY idx_videos_author_time (author_id, publish_time_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS work_counts (
  author_id BIGINT NOT NULL,
  works     BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (author_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row (id 1): the latest publish time stored, locked by every publish.
CREATE TABLE IF NOT EXISTS publish_clock (
  id      TINYINT NOT NULL,
  last_ms BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO publish_clock (id, last_ms) SELECT 1, COALESCE(MAX(publish_time_ms), 0) FROM videos;
