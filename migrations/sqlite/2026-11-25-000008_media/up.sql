-- The media library: uploaded images and documents, stored once per content hash.
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- SHA-256 (hex) of the uploaded bytes: identical uploads are stored once.
    hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    -- Type of the stored file (decided from its content, never from its name).
    mime TEXT NOT NULL,
    -- Storage key of the stored file: made from the hash, never from the name.
    storage_key TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width INTEGER,
    height INTEGER,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX media_created_at ON media (created_at DESC, id DESC);
CREATE INDEX media_uploaded_by ON media (uploaded_by);

-- The resized copies of an image, one per width and format; the stored original is one too.
CREATE TABLE media_variants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    format TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'webp')),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    byte_size BIGINT NOT NULL,
    UNIQUE (media_id, format, width)
);

-- Where a file is used: an article's gallery, its attachments, or its body.
CREATE TABLE article_media (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    media_id INTEGER NOT NULL REFERENCES media (id),
    role TEXT NOT NULL CHECK (role IN ('gallery', 'attachment', 'body')),
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, media_id, role)
);
CREATE INDEX article_media_media_id ON article_media (media_id);

ALTER TABLE articles ADD COLUMN featured_media_id INTEGER REFERENCES media (id);
CREATE INDEX articles_featured_media_id ON articles (featured_media_id);
