//! Process tests: the real `jobpay` binary, as operators and Kubernetes run
//! it — CLI commands, start-up against a database that comes and goes,
//! graceful shutdown, limits, logs and metrics, several replicas, crashes.

mod support;

mod cli;
mod feed;
mod lifecycle;
mod limits;
mod observability;
mod postgres_tls;
mod replicas;
mod web;
