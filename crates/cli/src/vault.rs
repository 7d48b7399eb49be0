//! `hookline vault …` and `hookline sign`: secrets are read from standard
//! input (or a prompt), never from the arguments, and never printed except
//! the recovery phrase, once, on purpose.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use hookline_api::{shell_quote, signed_curl, ApiError, Core, ErrorCode, NewCredential, SharedKey};
use hookline_vault::kinds::field_value;
use hookline_vault::{Kind, Sensitive};
use serde_json::{Map, Value};

use crate::output;

#[derive(Subcommand)]
pub enum VaultCommand {
    /// List credentials (secrets masked) with their status and users.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one credential as JSON (secrets masked).
    Show { name: String },
    /// Add a credential. Non-secret fields with --set; secret fields from
    /// standard input as FIELD=VALUE lines, or at a prompt on a terminal.
    Add {
        name: String,
        /// none, basic, api_key, bearer, hmac, oauth2_client_credentials or database_url.
        #[arg(long)]
        kind: String,
        /// A non-secret field, e.g. --set username=ada (repeatable; lists comma-separated).
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Enter an existing credential again (e.g. one that cannot be decrypted).
        #[arg(long)]
        replace: bool,
    },
    /// Remove a credential; one used by a flow needs --force.
    Remove {
        name: String,
        #[arg(long)]
        force: bool,
    },
    /// Check a credential against the real service (its verifyUrl, token
    /// endpoint, signature or database) within 30 s.
    Verify { name: String },
    /// Say where the data key comes from and whether the vault is usable.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Print the data key as a recovery phrase (once per key).
    RecoveryKit,
    /// Restore the data key from a recovery phrase read from standard input.
    Recover {
        /// Keep the key in a new key file in the data dir instead of the current key source.
        #[arg(long)]
        key_file: bool,
    },
    /// Seal every secret under a new data key.
    RotateKey,
    /// Create a key file readable only by you, for machines without a keychain.
    CreateKeyFile,
}

pub async fn vault(core: &Core, command: VaultCommand) -> Result<ExitCode, ApiError> {
    match command {
        VaultCommand::List { json } => {
            let list = core.list_credentials().await?;
            if json {
                output::print_json(&list);
            } else {
                output::print_credentials(&list);
            }
        }
        VaultCommand::Show { name } => output::print_json(&core.get_credential(&name).await?),
        VaultCommand::Add { name, kind, set, replace } => {
            let parsed = Kind::parse(&kind).map_err(|m| ApiError::new(ErrorCode::InvalidInput, m))?;
            let mut fields = Map::new();
            for pair in set {
                let (field, value) = pair.split_once('=').ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidInput, format!("--set {pair:?}: write FIELD=VALUE"))
                })?;
                fields.insert(field.to_string(), field_value(parsed, field, value));
            }
            let secrets = read_secrets(parsed)?;
            let view = core.add_credential(NewCredential { name, kind, fields, secrets, replace }).await?;
            eprintln!("saved credential {} ({})", view.name, view.kind);
            output::print_json(&view);
        }
        VaultCommand::Remove { name, force } => {
            let users = core.remove_credential(&name, force).await?;
            eprintln!("removed credential {name}");
            for flow in users {
                eprintln!("  {} ({}) names it and will not publish until it names another", flow.name, flow.id);
            }
        }
        VaultCommand::Verify { name } => {
            let verification = core.verify_credential(&name).await?;
            println!("{name}: ok — {}", verification.message);
        }
        VaultCommand::Status { json } => {
            let status = core.vault_status().await?;
            if json {
                output::print_json(&status);
            } else {
                output::print_vault_status(&status);
            }
            if !status.ready && status.credentials > 0 {
                return Ok(ExitCode::from(crate::EXIT_ERROR));
            }
        }
        VaultCommand::RecoveryKit => {
            let phrase = core.recovery_kit().await?;
            println!("{}", phrase.expose());
            eprintln!(
                "This phrase is the vault's data key. Write it down and keep it somewhere safe: with it, \
                 `hookline vault recover` restores every credential on another machine. It is shown only once."
            );
        }
        VaultCommand::Recover { key_file } => {
            if std::io::stdin().is_terminal() {
                eprint!("recovery phrase: ");
            }
            let phrase = read_line_secret()?;
            let place = core.recover_vault(phrase.expose(), key_file).await?;
            println!("the data key is restored in {place}");
        }
        VaultCommand::RotateKey => {
            let rotation = core.rotate_vault_key().await?;
            println!(
                "sealed {} credential(s) under the new data key {} (was {})",
                rotation.resealed, rotation.new_fingerprint, rotation.old_fingerprint
            );
            for name in rotation.undecryptable {
                println!("  {name} could not be decrypted and was left as it was: enter it again with --replace");
            }
            eprintln!("the old recovery kit no longer works: print the new one with `hookline vault recovery-kit`");
        }
        VaultCommand::CreateKeyFile => {
            let path = core.create_key_file()?;
            println!("created {} (readable only by you); the vault keeps its data key there", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// At the start of `serve` on a shared database: says which data key opens
/// the vault, or that it cannot be opened and why. A process with the wrong
/// key (or none) serves anyway, as a vault it cannot open never stopped
/// start-up on one machine either: the guarded hooks admit nobody and the
/// steps that use a credential fail, each saying why, until the process
/// restarts with the right key. Nothing of the vault is written meanwhile.
pub async fn check_at_start(core: &Core) -> Result<(), ApiError> {
    match core.check_shared_vault().await {
        Ok(SharedKey::NotShared) => {}
        Ok(SharedKey::Opens { fingerprint, source }) => {
            println!("vault: the data key {fingerprint} from {source} opens the shared database's vault")
        }
        Ok(SharedKey::Missing(message)) => eprintln!("warning: {message}"),
        Err(error) if error.code == ErrorCode::VaultUnavailable => {
            eprintln!("error: the vault is unavailable ({}): {}", error.code.as_str(), error.message);
            eprintln!(
                "warning: serving without the vault: guarded hooks admit nobody and steps that use a credential fail until this process restarts with the right key; no credential was opened or written"
            );
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

/// Secret fields of `kind`: from FIELD=VALUE lines on standard input, or
/// asked for one by one (without echo) on a terminal.
fn read_secrets(kind: Kind) -> Result<BTreeMap<String, Sensitive<String>>, ApiError> {
    let secret_fields: Vec<&str> = kind.fields().iter().filter(|f| f.secret).map(|f| f.name).collect();
    let mut secrets = BTreeMap::new();
    if secret_fields.is_empty() {
        return Ok(secrets);
    }
    if std::io::stdin().is_terminal() {
        for field in secret_fields {
            let value = rpassword::prompt_password(format!("{field}: "))
                .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read {field}: {e}")))?;
            secrets.insert(field.to_string(), Sensitive::new(value));
        }
        return Ok(secrets);
    }
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = Sensitive::new(
            line.map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read standard input: {e}")))?,
        );
        let text = line.expose().trim_end_matches('\r');
        if text.trim().is_empty() {
            continue;
        }
        // The error names the line, never its content: it may be a secret.
        let (field, value) = text.split_once('=').ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "standard input line {}: write FIELD=VALUE (secret fields: {})",
                    number + 1,
                    secret_fields.join(", ")
                ),
            )
        })?;
        secrets.insert(field.trim().to_string(), Sensitive::new(value.to_string()));
    }
    Ok(secrets)
}

fn read_line_secret() -> Result<Sensitive<String>, ApiError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read standard input: {e}")))?;
    let value = Sensitive::new(line.trim().to_string());
    line.clear();
    if value.expose().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "give the recovery phrase on standard input"));
    }
    Ok(value)
}

/// `hookline sign FLOW --body FILE`: a curl command the flow's HMAC-guarded
/// hook accepts, on the address the listener serves on (`url` overrides it).
pub async fn sign(core: &Core, flow: &str, body: &PathBuf, url: Option<&str>) -> Result<ExitCode, ApiError> {
    let bytes = std::fs::read(body)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read {}: {e}", body.display())))?;
    let signed = core.sign_request(flow, &bytes).await?;
    let base = match url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => core.hook_base()?,
    };
    let json = serde_json::from_slice::<Value>(&bytes).is_ok();
    let data = format!("--data-binary @{}", shell_quote(&body.display().to_string()));
    println!("{}", signed_curl(signed.method(), &format!("{base}{}", signed.path), &signed.headers, json, &data));
    match signed.valid_for_seconds {
        Some(seconds) => eprintln!("the signature is accepted for {seconds} s from now"),
        None => eprintln!("the signature holds for this body as long as the credential's secret does not change"),
    }
    Ok(ExitCode::SUCCESS)
}
