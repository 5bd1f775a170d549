DROP TABLE IF EXISTS latest_messages;
DROP TABLE IF EXISTS messages;
