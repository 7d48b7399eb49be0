//! Hookline's engine: the component catalog, design validation, JSONata
//! mapping, the executor that runs flows and records each step, and the
//! scheduler that starts schedule flows on time.
//!
//! It knows nothing of transports: the listener, the API and the command line
//! call it. It never panics on user data: a bad document is a list of
//! [`Problem`]s, a failing step a recorded failure, a runaway expression an
//! error with a time or depth limit.

pub mod catalog;
pub mod components;
mod credentials;
mod error;
pub mod error_handler;
pub mod events;
mod executor;
mod journal;
pub mod mapping;
mod owner;
pub mod params;
pub mod plan;
pub mod preview;
pub mod retry;
mod runner;
pub mod scheduler;
pub mod schema;
pub mod step_input;
pub mod trigger;
pub mod validate;

pub use catalog::Catalog;
pub use components::outbound_client;
pub use components::webhook::{self, InvalidBody};
pub use components::{LocalAccess, LocalAccessSource};
pub use credentials::{
    credential_names, CredentialError, Credentials, NewCredential, Rotation, SharedKey, VaultSettings,
};
pub use error::EngineError;
pub use executor::{Engine, EngineConfig, Published, RunOnceError, RunRequest};
pub use journal::{Journal, JournalError};
pub use plan::Plan;
pub use runner::{AcceptError, Acceptation, Role, Runner, RunnerConfig};
pub use scheduler::{Clock, ManualClock, Scheduler, SchedulerConfig, SchedulerHandle, SystemClock};
pub use trigger::{
    ButtonForm, ButtonSettings, Pick, Placement, RespondMode, ScheduleSettings, Selection, TriggerSettings,
    WebhookSettings,
};
pub use validate::{validate, Problem};
