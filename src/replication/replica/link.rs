//! The link to our master: connect, handshake, PSYNC, full or partial sync, stream.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::server::shard::ShardCtx;

/// How often an idle supervisor (no master) looks for a REPLICAOF.
const IDLE_POLL: Duration = Duration::from_millis(100);

/// Shard 0's task that keeps the link to the configured master, if any.
pub async fn supervise(shard: Rc<ShardCtx>) {
    let g = shard.global.clone();
    loop {
        let _gen = g.replica.generation.load(Ordering::Acquire);
        glommio::timer::sleep(IDLE_POLL).await;
    }
}
