//! The boundary between the wire (protobuf messages) and the domain, one
//! module per direction (after qdrant's `conversions.rs`):
//!
//! - [`from_wire`]: `TryFrom<&pb::…Request>` into validated domain inputs;
//!   a bad field becomes `Error::InvalidArgument` with its field name.
//!   Inputs that depend on data (an amount's currency) resolve in a second,
//!   async step against the currency registry.
//! - [`to_wire`]: `From<domain value>` into messages.
//!
//! The ledger and the store never see a protobuf type.

pub mod from_wire;
pub mod to_wire;
