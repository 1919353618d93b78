//! Chronicle: a server-rendered CMS for the news and event reports of institutes and
//! universities. The library holds everything; `main.rs` is a thin command line over it.
//!
//! Layers, each knowing only the one below: [`web`] (HTTP, templates, sessions) →
//! [`accounts`] / [`content`] (rules, no HTTP types) → [`db`] (Diesel on SQLite or PostgreSQL).

pub mod accounts;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod ids;
pub mod mail;
pub mod media;
pub mod setup;
pub mod site;
pub mod stats;
pub mod web;
