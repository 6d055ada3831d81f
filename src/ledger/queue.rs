//! The ledger writer: one queue per process that turns concurrent movements
//! from every caller into batches (group commit).
//!
//! Calls append their command to one FIFO queue; a single worker takes up to
//! `max_batch` commands at a time, executes them in one SERIALIZABLE
//! transaction through the store's runner, answers each caller, and takes
//! the next batch — which has filled up meanwhile. One commit (one fsync)
//! then carries many movements, whoever their callers: a thousand callers
//! crediting one profile become a handful of transactions instead of a
//! thousand that queue on one row lock and conflict. Each caller's commands
//! keep their arrival order. Other replicas have writers of their own: the
//! database (row locks in a fixed order, SERIALIZABLE) arbitrates between
//! them, and a conflicting batch is retried whole by the runner.
//!
//! A batch that fails for another reason (a bug, a statement the database
//! refuses) is split: each command runs alone, so only the one that causes
//! the failure fails and no call waits behind a poisoned batch.

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
    /// Released when the command has run (or been dropped), not when its
    /// call returns: a call cancelled at its deadline keeps its share of
    /// the server's capacity until its movement is done.
    hold: Option<Hold>,
}

/// Something a call holds until its command has run: the call's permit
/// of the server's concurrency limit.
#[derive(Clone)]
pub struct Hold {
    _held: Arc<dyn std::any::Any + Send + Sync>,
}

impl Hold {
    pub fn new<T: Send + Sync + 'static>(held: T) -> Self {
        Hold {
            _held: Arc::new(held),
        }
    }
}

/// The pending commands, how many each caller has waiting, and whether the
/// worker is running.
#[derive(Default)]
struct Queue {
    pending: VecDeque<Pending>,
    per_caller: HashMap<i64, usize>,
    working: bool,
}

impl Queue {
    fn taken(&mut self, caller: i64) {
        if let Some(count) = self.per_caller.get_mut(&caller) {
            *count -= 1;
            if *count == 0 {
                self.per_caller.remove(&caller);
            }
        }
    }
}

/// The entry point of every money movement.
pub struct Ledger {
    store: Store,
    max_batch: usize,
    /// Most commands one caller may have waiting; beyond, calls are shed.
    max_queued_per_caller: usize,
    queue: Mutex<Queue>,
}

impl Ledger {
    pub fn new(store: Store, max_batch: usize, max_queued_per_caller: usize) -> Arc<Ledger> {
        Arc::new(Ledger {
            store,
            max_batch: max_batch.max(1),
            max_queued_per_caller: max_queued_per_caller.max(1),
            queue: Mutex::new(Queue::default()),
        })
    }

    /// Queues `command` behind every earlier one and waits for its outcome.
    /// A command taken into a batch runs to the end even if its call is
    /// cancelled meanwhile; one whose call is gone before that never runs.
    pub async fn submit(
        self: &Arc<Self>,
        command: Command,
        hold: Option<Hold>,
    ) -> Result<Receipt, Error> {
        let (reply, outcome) = oneshot::channel();
        let start_worker = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            let waiting = queue.per_caller.entry(command.caller).or_insert(0);
            if *waiting >= self.max_queued_per_caller {
                return Err(Error::CallerQueueFull);
            }
            *waiting += 1;
            queue.pending.push_back(Pending {
                command,
                reply,
                hold,
            });
            !std::mem::replace(&mut queue.working, true)
        };
        if start_worker {
            tokio::spawn(Arc::clone(self).drain());
        }
        outcome
            .await
            .unwrap_or_else(|_| Err(Error::Internal("ledger worker stopped".to_owned())))
    }

    /// Takes the next batch, or ends the worker when there is none.
    /// Commands whose call has gone (cancelled, past its deadline) before
    /// they were taken are dropped here: never run, never half-answered.
    fn next_batch(&self) -> Option<Vec<Pending>> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let mut batch = Vec::with_capacity(queue.pending.len().min(self.max_batch));
        while batch.len() < self.max_batch {
            let Some(pending) = queue.pending.pop_front() else {
                break;
            };
            queue.taken(pending.command.caller);
            if !pending.reply.is_closed() {
                batch.push(pending);
            }
        }
        if batch.is_empty() {
            queue.working = false;
            return None;
        }
        Some(batch)
    }

    async fn drain(self: Arc<Self>) {
        // If a batch panics, the guard fails the waiting calls instead of
        // leaving them waiting forever, and lets later calls start a fresh
        // worker.
        let mut guard = WorkerGuard {
            ledger: &self,
            finished: false,
        };
        while let Some(batch) = self.next_batch() {
            self.run_batch(batch).await;
        }
        guard.finished = true;
    }

    async fn run_batch(&self, batch: Vec<Pending>) {
        let mut holds = Vec::with_capacity(batch.len());
        let (commands, replies): (Vec<Command>, Vec<Reply>) = batch
            .into_iter()
            .map(|p| {
                holds.push(p.hold);
                (p.command, p.reply)
            })
            .unzip();
        // Released once every command of the batch has run and been answered.
        let _holds = holds;
        let commands: Arc<[Command]> = commands.into();
        let outcomes = self.execute_in_transaction(Arc::clone(&commands)).await;
        match outcomes {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            // A batch of several that failed for another reason than
            // contention or an outage: run each command alone, so only the
            // one that causes it fails.
            // Not after an outage, nor after a commit of unknown outcome:
            // running them again could apply them twice.
            Err(error)
                if commands.len() > 1
                    && !matches!(error, Error::Unavailable(_) | Error::OutcomeUnknown(_)) =>
            {
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

struct WorkerGuard<'a> {
    ledger: &'a Ledger,
    finished: bool,
}

impl Drop for WorkerGuard<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut queue = self.ledger.queue.lock().unwrap_or_else(|p| p.into_inner());
        // Dropping the pending replies answers their calls with an error.
        queue.pending.clear();
        queue.per_caller.clear();
        queue.working = false;
    }
}
