import CLibUV

/// A `uv_poll_t` watching a socket that another library owns and reads (libpq's connection for
/// LISTEN): calls `handler` on the loop thread each time the socket is readable or fails. The
/// socket itself is never closed here. Created on the loop thread; `close()` releases the handle,
/// and the loop's teardown closes it too.
package final class SocketWatcher: LoopService {
    unowned let loop: EventLoop
    private let handle: UnsafeMutableRawPointer
    /// `true`: the socket reported an error (the handler should read it and give up on it).
    private var handler: (_ failed: Bool) -> Void
    package private(set) var isClosed = false

    /// Starts watching `socket` for reading; nil when libuv refuses it (not a socket).
    package init?(loop: EventLoop, socket: Int32, handler: @escaping (_ failed: Bool) -> Void) {
        loop.assertInLoopThread()
        self.loop = loop
        self.handler = handler
        handle = uvAllocateHandle(UV_POLL)
        guard uv_poll_init_socket(loop.uvLoop, handle.assumingMemoryBound(to: uv_poll_t.self), socket) == 0 else {
            handle.deallocate()
            return nil
        }
        uvAttach(self, to: handle)
        uv_poll_start(handle.assumingMemoryBound(to: uv_poll_t.self), Int32(UV_READABLE.rawValue), socketReadable)
        loop.register(self)
    }

    /// Stops watching and frees the handle (in libuv's close callback). Safe to call twice.
    package func close() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        isClosed = true
        handler = { _ in }
        uvCloseHandle(handle)
        loop.unregister(self)
    }

    fileprivate func ready(status: Int32) { handler(status < 0) }

    /// A watcher keeps nothing in flight: it only stops keeping the loop alive.
    package func beginShutdown() {
        guard !isClosed else { return }
        uv_unref(handle.uvHandle)
    }

    package func forceClose() { close() }
}

private let socketReadable: uv_poll_cb = { handle, status, _ in
    guard let handle else { return }
    uvOwner(of: handle, as: SocketWatcher.self).ready(status: status)
}
