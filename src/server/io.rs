//! Client socket readiness through one epoll instance per shard, instead of one io_uring
//! poll per socket read.
//!
//! Why: glommio's `TcpStream::poll_read` arms an io_uring POLL after every read shorter than
//! the buffer ("early poll"), and while that poll is pending the next read waits for its
//! completion instead of calling `recv`. Its rings are created without COOP_TASKRUN, so each
//! completion that lands while the shard thread runs costs a task-work IPI: at P1 that is one
//! IPI (plus a poll SQE) per request, most of the server's CPU in this VM.
//!
//! Here every client socket is registered once, edge-triggered, in the shard's epoll
//! instance. The [`Poller`] task drains it with `epoll_wait(.., 0)` (no syscall sleeps) and
//! wakes the connections that became readable; connections `recv`/`send` on the raw fd.
//! Only when no socket is ready does the poller ask glommio to wake it when the epoll fd
//! itself becomes readable: one io_uring poll per idle period of the whole shard instead of
//! one per request.
//!
//! ```text
//!  data arrives ─> epoll ready list ─> Poller: epoll_wait(0) ─> ConnIo.ready = true, wake
//!                                        │ nothing ready: await epoll fd readable (glommio)
//!  connection task: wait ready ─> recv ─> run batch ─> send ─> wait ready ...
//! ```
//!
//! Edge-triggered contract: the kernel queues an event for every arrival of data after the
//! socket was registered, so a connection may wait for the next event as soon as one `recv`
//! returned less than it asked for (the socket was empty at that moment; anything arriving
//! later raises a new event). A full read marks the socket ready again.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::os::fd::{FromRawFd, RawFd};
use std::rc::Rc;
use std::task::{Poll, Waker};

use futures_lite::AsyncReadExt;

/// Events taken per `epoll_wait`.
const EVENTS_PER_WAIT: usize = 256;

/// Readiness of one registered socket.
pub struct ConnIo {
    pub fd: RawFd,
    ready: Cell<bool>,
    /// The peer shut down (or the socket failed): sticky, every wait ends at once so the
    /// next `recv` sees the EOF or error even if it arrived together with the last data
    /// (an edge-triggered socket raises no new event after that).
    hup: Cell<bool>,
    waker: RefCell<Option<Waker>>,
    token: Cell<usize>,
}

impl ConnIo {
    /// Marks the socket as worth a `recv` and wakes its task.
    fn signal(&self, events: u32) {
        if events & (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
            self.hup.set(true);
        }
        self.ready.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Takes the readiness flag: true when a `recv` may find data (the caller then reads).
    pub fn take_ready(&self) -> bool {
        self.ready.replace(false) || self.hup.get()
    }

    /// Keeps the socket ready (a read filled the whole buffer: more may be queued).
    pub fn set_ready(&self) {
        self.ready.set(true);
    }

    /// Resolves when the peer has shut down (or the socket failed), without reading: a
    /// client blocked in BLPOP & co. is not reading, but its disconnect must end the wait.
    pub async fn hung_up(&self) {
        poll_fn(|cx| {
            if self.hup.get() {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Resolves when the poller reports the socket readable (or hung up).
    pub async fn readable(&self) {
        poll_fn(|cx| {
            if self.ready.get() || self.hup.get() {
                Poll::Ready(())
            } else {
                let mut w = self.waker.borrow_mut();
                match &*w {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        })
        .await
    }
}

/// The shard's epoll instance and the sockets registered in it (a slab: the epoll token is
/// the slot index).
pub struct Poller {
    epfd: RawFd,
    slots: RefCell<Vec<Option<Rc<ConnIo>>>>,
    free: RefCell<Vec<usize>>,
}

impl Poller {
    pub fn new() -> std::io::Result<Poller> {
        // SAFETY: plain syscall; the fd is owned by the Poller and closed on drop.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if epfd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Poller {
            epfd,
            slots: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
        })
    }

    /// Registers a non-blocking socket (edge-triggered). It starts as ready so the first
    /// `recv` happens without waiting.
    pub fn register(&self, fd: RawFd) -> std::io::Result<Rc<ConnIo>> {
        let io = Rc::new(ConnIo {
            fd,
            ready: Cell::new(true),
            hup: Cell::new(false),
            waker: RefCell::new(None),
            token: Cell::new(0),
        });
        let token = {
            let mut slots = self.slots.borrow_mut();
            match self.free.borrow_mut().pop() {
                Some(t) => {
                    slots[t] = Some(io.clone());
                    t
                }
                None => {
                    slots.push(Some(io.clone()));
                    slots.len() - 1
                }
            }
        };
        io.token.set(token);
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
            u64: token as u64,
        };
        // SAFETY: epoll_ctl on our epoll fd with a valid event struct.
        if unsafe { libc::epoll_ctl(self.epfd, libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
            let e = std::io::Error::last_os_error();
            self.release(token);
            return Err(e);
        }
        Ok(io)
    }

    /// Removes a socket; call before closing its fd.
    pub fn deregister(&self, io: &ConnIo) {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: as in register; failure (fd already gone) is harmless.
        unsafe { libc::epoll_ctl(self.epfd, libc::EPOLL_CTL_DEL, io.fd, &mut ev) };
        self.release(io.token.get());
    }

    fn release(&self, token: usize) {
        self.slots.borrow_mut()[token] = None;
        self.free.borrow_mut().push(token);
    }

    /// Takes the ready events without blocking, signals their sockets, returns how many.
    fn drain(&self, events: &mut [libc::epoll_event]) -> usize {
        // SAFETY: `events` is a valid buffer of `events.len()` entries.
        let n = unsafe { libc::epoll_wait(self.epfd, events.as_mut_ptr(), events.len() as i32, 0) };
        if n <= 0 {
            return 0;
        }
        let slots = self.slots.borrow();
        for ev in &events[..n as usize] {
            let token = ev.u64 as usize;
            if let Some(Some(io)) = slots.get(token) {
                io.signal(ev.events);
            }
        }
        n as usize
    }

    /// Wakes the connections whose sockets became ready, without waiting: for long
    /// low-priority work (a snapshot walk) that must let clients in between its steps,
    /// which glommio's reactor would only notice once every task queue is idle. Returns
    /// whether any woke.
    pub fn wake_ready(&self) -> bool {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
        self.drain(&mut events) > 0
    }

    /// Waits (through glommio's reactor, so the shard can park) until the epoll fd is
    /// readable. glommio has no public "poll this fd" primitive, but a `TcpStream` built
    /// from an fd arms an io_uring poll for readability at construction and its first read
    /// waits for that poll; the `recv` it then tries fails (not a socket), which only means
    /// "the poll fired". The stream owns a `dup` of the epoll fd, closed when it drops.
    async fn wait_readable(&self) {
        // SAFETY: dup of our own fd; ownership of the copy passes to the stream.
        let fd = unsafe { libc::dup(self.epfd) };
        if fd < 0 {
            glommio::timer::sleep(std::time::Duration::from_millis(1)).await;
            return;
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let mut waiter = unsafe { glommio::net::TcpStream::from_raw_fd(fd) };
        let mut byte = [0u8; 1];
        let _ = waiter.read(&mut byte).await;
    }

    /// The shard's poller task: runs for the life of the shard.
    pub async fn run(self: Rc<Self>) {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS_PER_WAIT];
        loop {
            if self.drain(&mut events) > 0 {
                // Let the woken connections run, and let glommio poll its ring (cross-shard
                // messages, timers) before looking again: yielding the task queue ends this
                // scheduler round, a plain yield would keep the round going.
                glommio::executor().yield_task_queue_now().await;
                continue;
            }
            self.wait_readable().await;
        }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        // SAFETY: closing the fd we created.
        unsafe { libc::close(self.epfd) };
    }
}

/// `recv` without blocking. `Ok(None)`: would block.
pub fn recv(fd: RawFd, buf: &mut [std::mem::MaybeUninit<u8>]) -> std::io::Result<Option<usize>> {
    loop {
        // SAFETY: recv writes at most buf.len() bytes into buf.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        let e = std::io::Error::last_os_error();
        match e.kind() {
            std::io::ErrorKind::WouldBlock => return Ok(None),
            std::io::ErrorKind::Interrupted => continue,
            _ => return Err(e),
        }
    }
}

/// `send` without blocking; returns the bytes written (0 when it would block).
pub fn send(fd: RawFd, buf: &[u8]) -> std::io::Result<usize> {
    loop {
        // SAFETY: send reads buf.len() bytes from buf.
        let n = unsafe {
            libc::send(
                fd,
                buf.as_ptr() as *const libc::c_void,
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = std::io::Error::last_os_error();
        match e.kind() {
            std::io::ErrorKind::WouldBlock => return Ok(0),
            std::io::ErrorKind::Interrupted => continue,
            _ => return Err(e),
        }
    }
}
