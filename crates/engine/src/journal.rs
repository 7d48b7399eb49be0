//! The execution journal: every write of the execution lifecycle (accept,
//! step run, outcome) goes through one task that commits whatever is waiting
//! in a single transaction.
//!
//! SQLite has one writer and `synchronous=FULL` costs an fsync per commit.
//! Committing writes one by one made the writer the bottleneck (about a
//! thousand webhooks per second, each paying for three or four commits);
//! batching them lets many executions share a commit. Writes apply in the
//! order they were sent, so a step run is never committed after its
//! execution's outcome.

use hookline_model::{Execution, StepRun};
use hookline_store::{Acceptance, Accepted, Store, Write};
use tokio::sync::{mpsc, oneshot};

/// A commit acknowledgement: for an accept, what became of it.
type Ack = oneshot::Sender<Result<Option<Accepted>, String>>;

struct Entry {
    write: Write,
    ack: Option<Ack>,
}

/// Handle to the journal task; cheap to clone. The task ends when the last
/// handle is dropped, after committing what was sent.
#[derive(Clone)]
pub struct Journal {
    sender: mpsc::UnboundedSender<Entry>,
}

const STOPPED: &str = "the execution journal stopped";

impl Journal {
    /// Starts the journal task on the current Tokio runtime; at most `batch`
    /// writes share a transaction.
    pub fn start(store: Store, batch: usize) -> Journal {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(commit_batches(store, receiver, batch.max(1)));
        Journal { sender }
    }

    /// Stores a new execution and its inbox entry; returns once committed.
    pub async fn accept(&self, acceptance: Acceptance) -> Result<Accepted, String> {
        match self.send(Write::Accept(acceptance), true)?.await {
            Ok(Ok(Some(accepted))) => Ok(accepted),
            Ok(Ok(None)) => Err("the journal did not say what became of an accept".into()),
            Ok(Err(message)) => Err(message),
            Err(_) => Err(STOPPED.into()),
        }
    }

    /// Queues a step run without waiting for its commit: a step recorded late
    /// (or lost in a crash) only means a resumed execution runs it again.
    pub fn step(&self, execution_id: &str, seq: u32, run: StepRun) -> Result<(), String> {
        self.send(Write::StepRun { execution_id: execution_id.to_string(), seq, run }, false).map(drop)
    }

    /// Stores an execution's outcome, with every step run queued before it;
    /// returns once committed, so readers see the execution finished.
    pub async fn finish(&self, execution: Execution) -> Result<(), String> {
        match self.send(Write::Finish(execution), true)?.await {
            Ok(result) => result.map(drop),
            Err(_) => Err(STOPPED.into()),
        }
    }

    fn send(
        &self,
        write: Write,
        acknowledge: bool,
    ) -> Result<oneshot::Receiver<Result<Option<Accepted>, String>>, String> {
        let (ack, acked) = oneshot::channel();
        let ack = acknowledge.then_some(ack);
        self.sender.send(Entry { write, ack }).map_err(|_| STOPPED.to_string())?;
        Ok(acked)
    }
}

/// Waits for a write, takes whatever else is already waiting (up to `batch`),
/// commits them together and acknowledges each.
async fn commit_batches(store: Store, mut receiver: mpsc::UnboundedReceiver<Entry>, batch: usize) {
    let mut buffer = Vec::with_capacity(batch);
    while receiver.recv_many(&mut buffer, batch).await > 0 {
        let (writes, acks): (Vec<Write>, Vec<Option<Ack>>) =
            buffer.drain(..).map(|entry| (entry.write, entry.ack)).unzip();
        match store.write_batch(&writes).await {
            Ok(outcomes) => {
                for (ack, outcome) in acks.into_iter().zip(outcomes) {
                    if let Some(ack) = ack {
                        let _ = ack.send(Ok(outcome));
                    }
                }
            }
            Err(error) => {
                let message = error.to_string();
                eprintln!("the execution journal could not commit {} write(s): {message}", writes.len());
                for ack in acks.into_iter().flatten() {
                    let _ = ack.send(Err(message.clone()));
                }
            }
        }
    }
}
