//! Diesel's view of the tables. One schema serves both backends: the migrations under
//! `migrations/sqlite` and `migrations/postgres` must agree with it (a test checks).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
        totp_secret -> Nullable<Text>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<Integer>,
        data -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> Integer,
        name -> Text,
        slug -> Text,
        description -> Text,
        language -> Text,
        translation_group -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        name -> Text,
        slug -> Text,
        language -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        title -> Text,
        slug -> Text,
        summary -> Text,
        body_html -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        author_id -> Integer,
        category_id -> Nullable<Integer>,
        view_count -> BigInt,
        language -> Text,
        translation_group -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        body_text -> Text,
        featured_media_id -> Nullable<Integer>,
    }
}

diesel::table! {
    article_slugs (id) {
        id -> Integer,
        article_id -> Integer,
        language -> Text,
        slug -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> Integer,
        article_id -> Integer,
        version -> Integer,
        title -> Text,
        slug -> Text,
        summary -> Text,
        body_html -> Text,
        category_id -> Nullable<Integer>,
        tags -> Text,
        status -> Text,
        saved_by -> Nullable<Integer>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    preview_links (id) {
        id -> Integer,
        article_id -> Integer,
        token -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    article_presence (article_id, user_id) {
        article_id -> Integer,
        user_id -> Integer,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    pending_forms (token) {
        token -> Text,
        user_id -> Integer,
        path -> Text,
        body -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        attempts -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        user_id -> Nullable<Integer>,
        actor -> Text,
        action -> Text,
        subject -> Text,
        client -> Text,
    }
}

diesel::table! {
    pages (id) {
        id -> Integer,
        title -> Text,
        slug -> Text,
        body_html -> Text,
        language -> Text,
        translation_group -> Text,
        position -> Integer,
        in_menu -> Bool,
        published -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    media (id) {
        id -> Integer,
        hash -> Text,
        kind -> Text,
        mime -> Text,
        storage_key -> Text,
        original_name -> Text,
        byte_size -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        alt -> Text,
        caption -> Text,
        credit -> Text,
        uploaded_by -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    media_variants (id) {
        id -> Integer,
        media_id -> Integer,
        format -> Text,
        width -> Integer,
        height -> Integer,
        storage_key -> Text,
        byte_size -> BigInt,
    }
}

diesel::table! {
    article_media (article_id, media_id, role) {
        article_id -> Integer,
        media_id -> Integer,
        role -> Text,
        position -> Integer,
    }
}

diesel::table! {
    article_views_daily (article_id, day) {
        article_id -> Integer,
        day -> Date,
        views -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(articles -> categories (category_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_slugs -> articles (article_id));
diesel::joinable!(article_revisions -> articles (article_id));
diesel::joinable!(article_revisions -> users (saved_by));
diesel::joinable!(preview_links -> articles (article_id));
diesel::joinable!(article_presence -> articles (article_id));
diesel::joinable!(pending_forms -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(article_presence -> users (user_id));
diesel::joinable!(articles -> media (featured_media_id));
diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(media_variants -> media (media_id));
diesel::joinable!(article_media -> articles (article_id));
diesel::joinable!(article_media -> media (media_id));
diesel::joinable!(article_views_daily -> articles (article_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    users,
    recovery_codes,
    sessions,
    categories,
    tags,
    articles,
    article_tags,
    article_slugs,
    article_revisions,
    preview_links,
    article_presence,
    pending_forms,
    sign_in_throttle,
    password_resets,
    audit_log,
    pages,
    media,
    media_variants,
    article_media,
    article_views_daily,
);
