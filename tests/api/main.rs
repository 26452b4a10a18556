//! Integration tests: the real server on a real socket, against a real SQLite file and
//! a fresh PostgreSQL database per test.

mod helpers;

mod media;

mod analytics;
mod auth;
mod bodies;
mod browser;
mod cli;
mod compression;
mod config;
mod contract;
mod dlna;
mod guest_passes;
mod hostile;
mod hostile_media;
mod library;
mod library_access;
mod monitoring;
mod nginx;
mod openapi;
mod operations;
mod playlists;
mod redis;
mod roles;
mod series;
mod serving;
mod sessions;
mod streaming;
mod telemetry;
mod transcode;
mod trickplay;
mod upgrade;
mod users;
mod watching;
mod web;
