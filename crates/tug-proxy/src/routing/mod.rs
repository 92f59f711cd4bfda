//! From a request's host and path to a target: the router and its services, their load
//! balancers and health checks, rollouts and pauses.

pub mod generation;
pub mod health;
pub mod load_balancer;
pub mod pause;
pub mod rollout;
pub mod router;
pub mod service;
pub mod service_map;
pub mod target;
