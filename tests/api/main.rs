//! Integration tests: the real server on a real socket, against a real SQLite file and
//! a fresh PostgreSQL database per test.

mod helpers;

mod media;

mod auth;
mod browser;
mod cli;
mod config;
mod contract;
mod hostile;
mod library;
mod nginx;
mod openapi;
mod operations;
mod playlists;
mod redis;
mod sessions;
mod streaming;
mod telemetry;
mod transcode;
mod users;
mod watching;
