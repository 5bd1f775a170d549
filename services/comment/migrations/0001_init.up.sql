-- The comment service's schema as the release before versioned migrations left it. IF NOT EXISTS
-- lets this first migration adopt a schema that gorm AutoMigrate created.
CREATE TABLE IF NOT EXISTS comments (
  id         BIGINT NOT NULL AUTO_INCREMENT,
  video_id   BIGINT NOT NULL,
  user_id    BIGINT NOT NULL,
  content    TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  deleted_at DATETIME(3) NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_comments_video_newest (video_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A schema from before tombstones has no deleted_at; add it there only (MySQL has no ADD COLUMN
-- IF NOT EXISTS, so the statement is chosen from information_schema).
SET @add_deleted_at = (
  SELECT IF(COUNT(*) = 0, 'ALTER TABLE comments ADD COLUMN deleted_at DATETIME(3) NULL DEFAULT NULL', 'DO 0')
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'comments' AND COLUMN_NAME = 'deleted_at');
PREPARE add_deleted_at FROM @add_deleted_at;
EXECUTE add_deleted_at;
DEALLOCATE PREPARE add_deleted_at;

CREATE TABLE IF NOT EXISTS video_comment_counts (
  video_id      BIGINT NOT NULL,
  comment_count BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (video_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
