//! Integration tests: the real server on a real socket, against a real SQLite file and
//! a fresh PostgreSQL database per test.

mod helpers;

mod auth;
mod cli;
mod config;
mod openapi;
mod users;
