//! Integration tests: the real app (a real HTTP server on a free port) on a fresh database per
//! test. Every test in a module's `TESTS` runs on SQLite, and on PostgreSQL when
//! `CHRONICLE_TEST_POSTGRES_URL` is set (otherwise it is listed as ignored, with the reason).
//!
//! A custom harness (libtest-mimic) because the built-in one cannot skip at run time.

mod admin;
mod attack;
mod browser;
mod cli;
mod common;
mod forms;
mod mail;
mod media;
mod permissions;
mod public;
mod sanitizer;
mod schema;
mod sessions;
mod site;
mod smtp_sink;
mod staff_sessions;
mod two_factor;
mod views;
mod workflow;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = Vec::new();
    common::add_backend_tests(&mut trials, "public", public::TESTS);
    common::add_backend_tests(&mut trials, "admin", admin::TESTS);
    common::add_backend_tests(&mut trials, "sessions", sessions::TESTS);
    common::add_backend_tests(&mut trials, "staff_sessions", staff_sessions::TESTS);
    common::add_backend_tests(&mut trials, "site", site::TESTS);
    common::add_backend_tests(&mut trials, "workflow", workflow::TESTS);
    common::add_backend_tests(&mut trials, "cli", cli::TESTS);
    common::add_backend_tests(&mut trials, "sanitizer", sanitizer::TESTS);
    common::add_backend_tests(&mut trials, "media", media::TESTS);
    common::add_backend_tests(&mut trials, "views", views::TESTS);
    common::add_backend_tests(&mut trials, "permissions", permissions::TESTS);
    common::add_backend_tests(&mut trials, "mail", mail::TESTS);
    common::add_backend_tests(&mut trials, "two_factor", two_factor::TESTS);
    common::add_backend_tests(&mut trials, "attack::costs", attack::costs::TESTS);
    common::add_backend_tests(&mut trials, "attack::writes", attack::writes::TESTS);
    common::add_backend_tests(&mut trials, "attack::sign_in", attack::sign_in::TESTS);
    common::add_backend_tests(&mut trials, "attack::input", attack::input::TESTS);
    common::add_backend_tests(&mut trials, "attack::headers", attack::headers::TESTS);
    common::add_backend_tests(&mut trials, "attack::search", attack::search::TESTS);
    common::add_backend_tests(&mut trials, "attack::rate", attack::rate::TESTS);
    trials.extend(cli::standalone());
    trials.extend(schema::standalone());
    trials.extend(sanitizer::standalone());
    trials.extend(browser::standalone());
    libtest_mimic::run(&args, trials).exit();
}
