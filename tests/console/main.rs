//! The console: rendered frames (insta snapshots and styles), key sequences through `update`,
//! the status editor, the action overlay, user files checked by `warroom check`, and the real
//! binary in tmux. One test target.

#[path = "../support/mod.rs"]
mod support;

mod action_overlay;
mod alerts;
mod config;
mod debrief;
mod detection;
mod editor;
mod facilitation;
mod fixture;
mod hang_up;
mod keys;
mod lists;
mod playbooks_tmux;
mod render;
mod resume;
mod scenario_files;
mod status_tmux;
mod team_journal;
mod tmux;
