//! `zen-miner`: the web app, and its maintenance commands.
//!
//! Installed in the image as `/usr/local/bin/zen-miner` and as `/rails/bin/rails`: called as
//! `rails`, `console` and `dbconsole` open the SQL shell and `server` runs the app, so the
//! spec's `console` and `dbc` aliases work unchanged.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use zen_miner::config::Config;
use zen_miner::db::{self, Db};
use zen_miner::http::{self, App};
use zen_miner::{console, log_line};

const USAGE: &str = "\
usage: zen-miner [serve]                 run the web app
       zen-miner backup [--database PATH] [--dir DIR] [--if-exists]
                                         consistent online backup, integrity-checked,
                                         next to the database unless --dir says otherwise
       zen-miner verify FILE             integrity check and row count of a database file
       zen-miner console | dbconsole     SQL shell on the database
       zen-miner version                 print the app version

environment: DATABASE_PATH (default /rails/storage/production.sqlite3), PORT (80),
BIND (0.0.0.0), KAMAL_VERSION or APP_VERSION, ASSETS_PATH (/rails/public/assets),
SHUTDOWN_TIMEOUT (25 seconds)";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    let program =
        args.first().map(|a| Path::new(a).file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_default();
    args.drain(..1.min(args.len()));
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => return fail(&err.to_string()),
    };
    let command = args.first().cloned().unwrap_or_else(|| "serve".to_string());
    let rest = args.get(1..).unwrap_or_default();
    match command.as_str() {
        "serve" | "server" => serve(config),
        "backup" => backup(&config, rest),
        "verify" => verify(rest),
        "console" | "dbconsole" | "c" | "db" => shell(&config),
        "version" | "--version" => {
            println!("{}", config.version);
            ExitCode::SUCCESS
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            let name = program.as_deref().unwrap_or("zen-miner");
            eprintln!("{name}: unknown command {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("zen-miner: {message}");
    ExitCode::FAILURE
}

fn serve(config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return fail(&format!("cannot start the runtime: {err}")),
    };
    let db = match Db::open(&config.database_path) {
        Ok(db) => db,
        Err(err) => return fail(&format!("cannot open the database {}: {err}", config.database_path.display())),
    };
    let app = Arc::new(App { db, version: config.version.clone(), assets_path: config.assets_path.clone() });
    let served = runtime.block_on(async {
        let addr = format!("{}:{}", config.bind, config.port);
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|err| format!("cannot listen on {addr}: {err}"))?;
        let local = listener.local_addr().map_err(|err| err.to_string())?;
        log_line(&format!(
            "zen-miner {} listening on {local}, database {}",
            config.version,
            config.database_path.display()
        ));
        let shutdown = shutdown_signal().await?;
        http::serve(listener, Arc::clone(&app), shutdown, config.shutdown_timeout).await;
        Ok::<(), String>(())
    });
    // In-flight requests are done (or given up on); stop the blocking pool before closing.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    if let Err(err) = served {
        return fail(&err);
    }
    let Ok(app) = Arc::try_unwrap(app) else {
        return fail("requests still hold the database; not checkpointing");
    };
    match app.db.close() {
        Ok(()) => {
            log_line("database checkpointed and closed; bye");
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("closing the database: {err}")),
    }
}

/// Resolves on SIGTERM (`docker stop`) or SIGINT.
async fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(|err| format!("cannot watch SIGTERM: {err}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|err| format!("cannot watch SIGINT: {err}"))?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        log_line(&format!("{name} received: no new connections, finishing in-flight requests"));
    })
}

fn backup(config: &Config, args: &[String]) -> ExitCode {
    let mut database = config.database_path.clone();
    let mut dir: Option<PathBuf> = None;
    let mut if_exists = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--if-exists" {
            if_exists = true;
            continue;
        }
        let value = it.next();
        match (arg.as_str(), value) {
            ("--database", Some(v)) => database = PathBuf::from(v),
            ("--dir", Some(v)) => dir = Some(PathBuf::from(v)),
            _ => {
                eprintln!("zen-miner backup: unexpected {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let dir = dir.unwrap_or_else(|| match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    });
    if if_exists && !database.exists() {
        println!("no database at {} yet: nothing to back up", database.display());
        return ExitCode::SUCCESS;
    }
    let version = (config.version != "unknown").then_some(config.version.as_str());
    match db::backup(&database, &dir, version) {
        Ok(report) => {
            println!("backup {} ({} rows, {} bytes, integrity ok)", report.path.display(), report.rows, report.bytes);
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("backup of {} failed: {err}", database.display())),
    }
}

fn verify(args: &[String]) -> ExitCode {
    let [file] = args else {
        eprintln!("zen-miner verify: expected one FILE\n{USAGE}");
        return ExitCode::from(2);
    };
    match db::verify(Path::new(file)) {
        Ok(report) => {
            println!("{}: integrity ok, {} rows, {} bytes", report.path.display(), report.rows, report.bytes);
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("{file}: {err}")),
    }
}

fn shell(config: &Config) -> ExitCode {
    let stdin = std::io::stdin().lock();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    match console::run(&config.database_path, stdin, &mut out, &mut err) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => fail(&format!("console on {}: {e}", config.database_path.display())),
    }
}
