//! Link prediction data: membership tests on edges ([`edge_lookup`]), negative pairs drawn from
//! a seed ([`negative_sampling`]) and seeded edge splits ([`link_split`]).

pub(crate) mod edge_lookup;
pub(crate) mod link_split;
pub(crate) mod negative_sampling;
