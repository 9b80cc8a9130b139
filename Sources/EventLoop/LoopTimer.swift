import CLibUV

/// A libuv timer. Created on the loop thread; fires its handler on the loop thread.
///
/// A timer can be started, restarted (e.g. to debounce) and stopped any number of times; `close()`
/// releases it for good. One-shot timers made by `EventLoop.schedule(after:)` close themselves
/// after firing. At shutdown timers stop keeping the loop alive; at teardown they are closed.
package final class LoopTimer: LoopService {
    unowned let loop: EventLoop
    private let handle: UnsafeMutableRawPointer
    private var handler: (LoopTimer) -> Void
    private let closesAfterFiring: Bool
    private let isInternal: Bool
    package private(set) var isClosed = false

    /// A timer that calls `handler` each time it fires. `loopInternal` timers belong to the loop
    /// or to a service that closes them, and are not registered as services.
    init(
        loop: EventLoop, loopInternal: Bool = false, closesAfterFiring: Bool = false,
        handler: @escaping (LoopTimer) -> Void
    ) {
        loop.assertInLoopThread()
        self.loop = loop
        self.handler = handler
        self.closesAfterFiring = closesAfterFiring
        self.isInternal = loopInternal
        handle = UVMemory.allocateHandle(UV_TIMER)
        // uv_timer_init cannot fail on a valid loop (it only initialises the struct).
        uv_timer_init(loop.uvLoop, handle.assumingMemoryBound(to: uv_timer_t.self))
        uvAttach(self, to: handle)
        if !loopInternal { loop.register(self) }
    }

    /// Starts (or restarts) the timer: first firing after `delay`, then every `repeating` if given.
    package func start(after delay: Duration, repeating: Duration? = nil) {
        loop.assertInLoopThread()
        precondition(!isClosed, "LoopTimer used after close()")
        uv_timer_start(
            handle.assumingMemoryBound(to: uv_timer_t.self), timerFired,
            delay.uvMilliseconds, repeating?.uvMilliseconds ?? 0)
    }

    package func stop() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        uv_timer_stop(handle.assumingMemoryBound(to: uv_timer_t.self))
    }

    package var isActive: Bool {
        loop.assertInLoopThread()
        return !isClosed && uv_is_active(handle.uvHandle) != 0
    }

    /// Lets the loop finish while this timer is still pending.
    package func unref() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        uv_unref(handle.uvHandle)
    }

    /// Keeps the loop running while this timer is active (the default for a new timer).
    package func ref() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        uv_ref(handle.uvHandle)
    }

    /// Stops the timer and frees it (in libuv's close callback). Safe to call twice.
    package func close() {
        loop.assertInLoopThread()
        guard !isClosed else { return }
        isClosed = true
        handler = { _ in }
        uvCloseHandle(handle)
        if !isInternal { loop.unregister(self) }
    }

    fileprivate func fire() {
        handler(self)
        if closesAfterFiring { close() }
    }

    package func beginShutdown() { unref() }
    package func forceClose() { close() }
}

private let timerFired: uv_timer_cb = { handle in
    guard let handle else { return }
    uvOwner(of: handle, as: LoopTimer.self).fire()
}

extension EventLoop {
    /// A timer that is not running yet; `start` it, restart it to debounce, `close` it when done.
    /// With `managedByOwner`, the loop's shutdown leaves the timer alone: a service that uses it
    /// for its own shutdown (e.g. a server's timeout sweep) closes it itself.
    package func makeTimer(managedByOwner: Bool = false, _ handler: @escaping (LoopTimer) -> Void) -> LoopTimer {
        LoopTimer(loop: self, loopInternal: managedByOwner, handler: handler)
    }

    /// Runs `body` once after `delay`; the timer closes itself after firing. Cancel with `close()`.
    @discardableResult
    package func schedule(after delay: Duration, _ body: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(loop: self, closesAfterFiring: true) { _ in body() }
        timer.start(after: delay)
        return timer
    }
}
