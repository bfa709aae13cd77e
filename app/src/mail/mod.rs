//! Email configuration and delivery.

pub mod view;
