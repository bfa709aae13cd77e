//! Groups: named sets of users that grant a role's permissions.

pub mod view;
