//! The replicated key-value state machine that consensus protocols (Raft, Multi-Paxos) apply
//! their decided commands to, with client sessions for exactly-once commands: a command that
//! is decided twice (a client retried it after a leader change) is applied once, and the retry
//! gets the first answer.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use valence_core::{KvOp, KvOutput};

/// A command as it travels through the log: which client sent it, its sequence number in that
/// client's session (1, 2, ...), and the operation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct Command {
    /// The client's node index.
    pub client: u16,
    /// The client's sequence number; a client runs one command at a time, so each new command
    /// has the next number and a retry keeps its number.
    pub seq: u32,
    /// The operation.
    pub op: KvOp,
}

/// The state machine: the data and, per client, the last command applied and its answer.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct KvStore {
    /// Each key's value.
    pub data: BTreeMap<u64, Vec<u64>>,
    /// Per client: the sequence number of its last applied command and that command's output.
    pub sessions: BTreeMap<u16, (u32, KvOutput)>,
}

impl KvStore {
    /// Applies `command` once: a command with a sequence number at or below the client's last
    /// applied one is a duplicate and changes nothing; it returns the saved answer when it is
    /// the last one (older duplicates can no longer be waited for and return `None`).
    pub fn apply(&mut self, command: &Command) -> Option<KvOutput> {
        if let Some((last, output)) = self.sessions.get(&command.client) {
            if command.seq < *last {
                return None;
            }
            if command.seq == *last {
                return Some(output.clone());
            }
        }
        let output = self.execute(command.op);
        self.sessions
            .insert(command.client, (command.seq, output.clone()));
        Some(output)
    }

    /// Runs `op` without a session (no deduplication).
    pub fn execute(&mut self, op: KvOp) -> KvOutput {
        match op {
            KvOp::Get(key) => KvOutput::Value(self.data.get(&key).cloned().unwrap_or_default()),
            KvOp::Put(key, value) => {
                self.data.insert(key, vec![value]);
                KvOutput::Done
            }
            KvOp::Append(key, value) => {
                self.data.entry(key).or_default().push(value);
                KvOutput::Done
            }
            KvOp::Cas(key, expected, new) => {
                let value = self.data.entry(key).or_default();
                let swapped = value[..] == [expected];
                if swapped {
                    *value = vec![new];
                }
                KvOutput::Swapped(swapped)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_apply_once_and_retries_get_the_first_answer() {
        let mut kv = KvStore::default();
        let put = Command {
            client: 3,
            seq: 1,
            op: KvOp::Append(7, 10),
        };
        assert_eq!(kv.apply(&put), Some(KvOutput::Done));
        assert_eq!(kv.apply(&put), Some(KvOutput::Done));
        let get = Command {
            client: 3,
            seq: 2,
            op: KvOp::Get(7),
        };
        assert_eq!(kv.apply(&get), Some(KvOutput::Value(vec![10])));
        // A stale retry of the append is ignored.
        assert_eq!(kv.apply(&put), None);
        assert_eq!(kv.data[&7], vec![10]);
        assert_eq!(kv.execute(KvOp::Put(7, 1)), KvOutput::Done);
        assert_eq!(kv.execute(KvOp::Get(8)), KvOutput::Value(vec![]));
        assert_eq!(kv.execute(KvOp::Cas(7, 2, 3)), KvOutput::Swapped(false));
        assert_eq!(kv.execute(KvOp::Cas(7, 1, 3)), KvOutput::Swapped(true));
        assert_eq!(kv.execute(KvOp::Get(7)), KvOutput::Value(vec![3]));
    }
}
