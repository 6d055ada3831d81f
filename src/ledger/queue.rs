//! Per-caller queues that turn concurrent movements into batches.
//!
//! Each caller with pending commands has one queue and one worker task. The
//! worker takes up to `max_batch` commands at a time, executes them in one
//! transaction through the store's runner, answers each caller, and stops
//! when the queue is empty. Commands of one caller therefore apply in
//! arrival order and never conflict with each other; commands of different
//! callers run in parallel, and the database (SERIALIZABLE) arbitrates
//! between them and between replicas.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::{Command, Receipt, execute};
use crate::error::Error;
use crate::store::{self, Store};

type Reply = oneshot::Sender<Result<Receipt, Error>>;

struct Pending {
    command: Command,
    reply: Reply,
}

/// The entry point of every money movement.
pub struct Ledger {
    store: Store,
    max_batch: usize,
    /// A caller has an entry here exactly while its worker runs.
    queues: Mutex<HashMap<i64, VecDeque<Pending>>>,
}

impl Ledger {
    pub fn new(store: Store, max_batch: usize) -> Arc<Ledger> {
        Arc::new(Ledger {
            store,
            max_batch: max_batch.max(1),
            queues: Mutex::new(HashMap::new()),
        })
    }

    /// Queues `command` behind the caller's earlier ones and waits for its
    /// outcome. Once queued, a command runs even if the call is cancelled.
    pub async fn submit(self: &Arc<Self>, command: Command) -> Result<Receipt, Error> {
        let caller = command.caller;
        let (reply, outcome) = oneshot::channel();
        let start_worker = {
            let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
            let pending = Pending { command, reply };
            match queues.entry(caller) {
                Entry::Occupied(mut queue) => {
                    queue.get_mut().push_back(pending);
                    false
                }
                Entry::Vacant(slot) => {
                    slot.insert(VecDeque::from([pending]));
                    true
                }
            }
        };
        if start_worker {
            tokio::spawn(Arc::clone(self).drain(caller));
        }
        outcome
            .await
            .unwrap_or_else(|_| Err(Error::Internal("ledger worker stopped".to_owned())))
    }

    /// Takes the next batch of `caller`, or ends the worker (removing the
    /// queue) when there is none.
    fn next_batch(&self, caller: i64) -> Option<Vec<Pending>> {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let queue = queues.get_mut(&caller)?;
        if queue.is_empty() {
            queues.remove(&caller);
            return None;
        }
        let take = queue.len().min(self.max_batch);
        Some(queue.drain(..take).collect())
    }

    async fn drain(self: Arc<Self>, caller: i64) {
        // If a batch panics, the guard drops the queue so that its callers
        // get an error instead of waiting forever, and later calls start a
        // fresh worker.
        let mut guard = QueueGuard {
            ledger: &self,
            caller,
            finished: false,
        };
        while let Some(batch) = self.next_batch(caller) {
            self.run_batch(batch).await;
        }
        // `next_batch` removed the queue when it found it empty.
        guard.finished = true;
    }

    async fn run_batch(&self, batch: Vec<Pending>) {
        let (commands, replies): (Vec<Command>, Vec<Reply>) =
            batch.into_iter().map(|p| (p.command, p.reply)).unzip();
        let commands: Arc<[Command]> = commands.into();
        let outcomes = self.execute_in_transaction(Arc::clone(&commands)).await;
        match outcomes {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            // An unexpected failure of a batch of several: run each command
            // alone, so only the one that causes it fails.
            Err(Error::Internal(_)) if commands.len() > 1 => {
                for (command, reply) in commands.iter().zip(replies) {
                    let outcome = self
                        .execute_in_transaction(Arc::new([command.clone()]))
                        .await
                        .and_then(|mut outcomes| outcomes.pop().expect("one outcome"));
                    let _ = reply.send(outcome);
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }

    async fn execute_in_transaction(
        &self,
        commands: Arc<[Command]>,
    ) -> Result<Vec<Result<Receipt, Error>>, Error> {
        self.store
            .write(|tx| {
                let commands = Arc::clone(&commands);
                Box::pin(async move { execute(tx, &commands, store::now()).await })
            })
            .await
    }
}

struct QueueGuard<'a> {
    ledger: &'a Ledger,
    caller: i64,
    finished: bool,
}

impl Drop for QueueGuard<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut queues = self.ledger.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues.remove(&self.caller);
    }
}
