//! Network and fault semantics, shared by the model checker and the simulator.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whether messages on one channel (a sender-receiver pair) arrive in the order they were sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ordering {
    /// Any message in flight may be delivered next.
    Unordered,
    /// Each channel delivers in send order.
    Fifo,
}

/// What can happen to a message in flight besides delivery.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Every message is delivered exactly once.
    Lossless,
    /// A message may be dropped instead of delivered.
    Lossy,
    /// A message may be delivered any number of times (the network is a set of messages that
    /// stay, as in TLA+ specs where `msgs` only grows). Delivery may also never happen, so this
    /// subsumes loss.
    Duplicating,
}

/// Channel ordering plus delivery guarantees.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct NetworkSemantics {
    /// Ordering on each channel.
    pub ordering: Ordering,
    /// Loss and duplication.
    pub delivery: Delivery,
}

impl NetworkSemantics {
    /// Unordered, exactly-once delivery.
    pub const UNORDERED: Self = NetworkSemantics {
        ordering: Ordering::Unordered,
        delivery: Delivery::Lossless,
    };
    /// FIFO channels, exactly-once delivery.
    pub const FIFO: Self = NetworkSemantics {
        ordering: Ordering::Fifo,
        delivery: Delivery::Lossless,
    };
    /// A set of messages that are never removed (delivery any number of times, in any order).
    pub const DUPLICATING: Self = NetworkSemantics {
        ordering: Ordering::Unordered,
        delivery: Delivery::Duplicating,
    };
}

impl fmt::Display for NetworkSemantics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ordering = match self.ordering {
            Ordering::Unordered => "unordered",
            Ordering::Fifo => "fifo",
        };
        let delivery = match self.delivery {
            Delivery::Lossless => "",
            Delivery::Lossy => "-lossy",
            Delivery::Duplicating => "-duplicating",
        };
        write!(f, "{ordering}{delivery}")
    }
}

/// The names accepted by [`NetworkSemantics::from_str`].
pub const NETWORK_NAMES: &[&str] = &[
    "unordered",
    "unordered-lossy",
    "unordered-duplicating",
    "fifo",
    "fifo-lossy",
];

impl FromStr for NetworkSemantics {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (ordering, delivery) = match s {
            "unordered" => (Ordering::Unordered, Delivery::Lossless),
            "unordered-lossy" => (Ordering::Unordered, Delivery::Lossy),
            "unordered-duplicating" | "duplicating" => (Ordering::Unordered, Delivery::Duplicating),
            "fifo" => (Ordering::Fifo, Delivery::Lossless),
            "fifo-lossy" => (Ordering::Fifo, Delivery::Lossy),
            _ => {
                return Err(format!(
                    "unknown network `{s}`; expected one of: {}",
                    NETWORK_NAMES.join(", ")
                ))
            }
        };
        Ok(NetworkSemantics { ordering, delivery })
    }
}

/// How nodes may fail.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrashMode {
    /// Nodes never crash.
    None,
    /// A crashed node stays down.
    Stop,
    /// A crashed node may restart from its persisted state.
    Recover,
}

/// Crash faults with a bound on their number, so that the state space stays finite.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct FaultModel {
    /// How nodes fail.
    pub crash: CrashMode,
    /// The most crashes in one execution.
    pub max_crashes: u8,
}

impl FaultModel {
    /// No faults.
    pub const NONE: Self = FaultModel {
        crash: CrashMode::None,
        max_crashes: 0,
    };
}

impl Default for FaultModel {
    fn default() -> Self {
        Self::NONE
    }
}

impl FromStr for CrashMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(CrashMode::None),
            "stop" => Ok(CrashMode::Stop),
            "recover" => Ok(CrashMode::Recover),
            _ => Err(format!(
                "unknown crash mode `{s}`; expected one of: none, stop, recover"
            )),
        }
    }
}

impl fmt::Display for CrashMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CrashMode::None => "none",
            CrashMode::Stop => "stop",
            CrashMode::Recover => "recover",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names_round_trip() {
        for name in NETWORK_NAMES {
            let parsed: NetworkSemantics = name.parse().unwrap();
            assert_eq!(parsed.to_string(), *name);
        }
        assert!("carrier-pigeon".parse::<NetworkSemantics>().is_err());
    }
}
