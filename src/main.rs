//! The `homestream` command: parses arguments, loads the configuration and calls into
//! the library. Nothing else lives here.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use homestream::accounts::{NewAccount, Role};
use homestream::config::{self, Settings, Sources};
use homestream::startup::{shutdown_signal, Application};
use homestream::state::AppState;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

/// A lean self-hosted video streaming server.
#[derive(Debug, Parser)]
#[command(name = "homestream", version, about)]
struct Cli {
    /// A configuration file read after config/default.toml and the profile file
    /// (also HOMESTREAM_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Scan the libraries now, showing progress, and print what changed.
    Scan {
        /// Only the library with this name.
        #[arg(long)]
        library: Option<String>,
    },
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Print the OpenAPI document.
    Openapi {
        /// Write it to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account.
    Create(CreateArgs),
    /// List accounts.
    List,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The username.
    name: String,
    /// admin, user or guest.
    #[arg(long, default_value = "user")]
    role: String,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    password_stdin: bool,
    /// An optional e-mail address.
    #[arg(long)]
    email: Option<String>,
}

fn main() -> ExitCode {
    homestream::server::memory::limit_arenas();
    let cli = Cli::parse();
    if let Some(Command::Openapi { output }) = &cli.command {
        return report(write_openapi(output.as_ref()));
    }
    let settings = match config::load(&Sources::from_env(cli.config.clone())) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("homestream: invalid configuration:\n{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Config) = &cli.command {
        print!("{}", settings.to_redacted_toml());
        return ExitCode::SUCCESS;
    }
    let _telemetry = homestream::telemetry::init(&settings.log, &settings.telemetry);
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => return report(Err(e.into())),
    };
    report(runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)))
}

/// The runtime, sized for small machines: a worker per core, and a blocking pool
/// (file opens, reads of data not yet in memory, the scanner's file work) of at most 64
/// threads that leave after 2 s idle rather than tokio's 10 s, so a burst's threads and
/// their stacks do not stay resident.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .thread_keep_alive(std::time::Duration::from_secs(2))
        .build()
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("homestream: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let inherited = homestream::server::inherited_listener();
            let app = Application::build_on(settings, inherited).await?;
            // Once the routes are built, start-up's garbage and code pages go back.
            tokio::spawn(async {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                homestream::server::memory::release_start_up();
            });
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate => {
            let state = AppState::new(settings).await?;
            println!("migrations applied ({})", state.db.backend());
            state.db.close().await;
        }
        Command::User(UserCommand::Create(args)) => create_user(settings, args).await?,
        Command::User(UserCommand::List) => list_users(settings).await?,
        Command::Scan { library } => scan(settings, library).await?,
        Command::Config | Command::Openapi { .. } => unreachable!("handled before start-up"),
    }
    Ok(())
}

async fn create_user(settings: Settings, args: CreateArgs) -> anyhow::Result<()> {
    let role: Role = args.role.parse().map_err(anyhow::Error::msg)?;
    let password = read_password(args.password_stdin)?;
    let state = AppState::new(settings).await?;
    let account = state
        .accounts
        .create(NewAccount {
            username: args.name,
            password,
            email: args.email,
            role,
        })
        .await?;
    println!(
        "created {} {} ({})",
        account.role.as_str(),
        account.username,
        account.id
    );
    state.db.close().await;
    Ok(())
}

async fn list_users(settings: Settings) -> anyhow::Result<()> {
    let state = AppState::new(settings).await?;
    let (accounts, _) = state.accounts.list(10_000, 0).await?;
    for a in accounts {
        let active = if a.is_active { "active" } else { "inactive" };
        println!("{}\t{}\t{}\t{active}", a.id, a.username, a.role.as_str());
    }
    state.db.close().await;
    Ok(())
}

async fn scan(settings: Settings, only: Option<String>) -> anyhow::Result<()> {
    let state = AppState::new(settings).await?;
    if let Some(name) = &only {
        anyhow::ensure!(
            state.library.libraries().iter().any(|l| &l.name == name),
            "no library named {name:?} in media.libraries"
        );
    }
    anyhow::ensure!(
        !state.library.libraries().is_empty(),
        "no libraries configured: set media.libraries or VIDEOS_PATH"
    );
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} files ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let library = state.library.clone();
    let task = tokio::spawn(async move { library.scan(only.as_deref()).await });
    while !task.is_finished() {
        let p = state.library.scan_progress();
        bar.set_length(p.seen);
        bar.set_position(p.probed + p.skipped + p.failed + p.moved);
        bar.set_message(p.current_library.unwrap_or_default());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bar.finish_and_clear();
    let s = task.await?;
    // The server makes them in the background; a one-shot scan makes them before it exits.
    state.library.make_missing_thumbnails().await;
    println!(
        "scanned {} files in {:.1}s: {} probed, {} unchanged, {} failed, {} moved, {} missing",
        s.seen, s.elapsed_seconds, s.probed, s.skipped, s.failed, s.moved, s.missing
    );
    for e in &s.errors {
        eprintln!("error: {e}");
    }
    state.db.close().await;
    anyhow::ensure!(
        s.errors.is_empty(),
        "{} libraries could not be scanned",
        s.errors.len()
    );
    Ok(())
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to ask for a password on; pass --password-stdin"
    );
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    anyhow::ensure!(first == second, "the passwords do not match");
    Ok(first)
}

fn write_openapi(output: Option<&PathBuf>) -> anyhow::Result<()> {
    let spec = homestream::api::spec_json();
    match output {
        Some(path) => {
            std::fs::write(path, spec).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{spec}");
            Ok(())
        }
    }
}
