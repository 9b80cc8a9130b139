import CLibUV
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something with libuv handles on a loop that must take part in the loop's shutdown: servers,
/// clients, timers. Called on the loop thread.
package protocol LoopService: AnyObject {
    /// Stop taking new work and finish what is in flight; handles still needed stay open.
    func beginShutdown()
    /// The grace period is over (or the loop is being torn down): close every handle now.
    func forceClose()
}

/// The owner of one `uv_loop_t`.
///
/// The loop belongs to the thread that created it; `run()` must be called on that thread and
/// every method except `execute`, `submit`, `requestShutdown` and `isInLoopThread` must be called
/// there too (checked by preconditions). Other threads hand work to the loop with `execute`,
/// which wakes it through a `uv_async_t`.
///
/// `run()` returns once a shutdown (from `shutdown(grace:)`, `requestShutdown`, or a signal given
/// to `shutdownOnSignals`) has finished: services were told to stop, in-flight work drained or the
/// grace period ran out, and every handle was closed.
package final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: references travel to other threads only so those threads can call
    // `execute`/`submit`/`requestShutdown`/`isInLoopThread`, which touch nothing but `inbox` (a
    // Mutex) and immutable fields. All other state is confined to the loop thread, and every
    // member that touches it begins with `assertInLoopThread()`.

    package struct Configuration: Sendable {
        /// How often the lag monitor's timer fires; nil turns the monitor off.
        package var lagSampleInterval: Duration?
        /// How many recent lag samples the percentiles are computed over.
        package var lagWindow: Int
        /// How long `shutdown()` lets in-flight work finish before closing everything.
        package var shutdownGrace: Duration

        package init(
            lagSampleInterval: Duration? = .milliseconds(200), lagWindow: Int = 300,
            shutdownGrace: Duration = .seconds(5)
        ) {
            self.lagSampleInterval = lagSampleInterval
            self.lagWindow = lagWindow
            self.shutdownGrace = shutdownGrace
        }
    }

    package enum State: Sendable, Equatable {
        case created, running, shuttingDown, finished
    }

    /// Jobs handed over from other threads, and whether the loop still takes them.
    private struct Inbox {
        var jobs: [@Sendable () -> Void] = []
        var accepting = true
    }

    package let configuration: Configuration
    package let logger: Logger
    /// The raw loop, for code in this package's targets that creates libuv handles on it.
    package let uvLoop: UnsafeMutablePointer<uv_loop_t>
    private let ownerThread: pthread_t
    private let inbox = Mutex(Inbox())
    /// The `uv_async_t` that wakes the loop for `inbox`; closed in teardown.
    private let wakeup: UnsafeMutableRawPointer

    package private(set) var state: State = .created
    private var services: [ObjectIdentifier: any LoopService] = [:]
    private var signalWatchers: [SignalWatcher] = []
    private var graceTimer: LoopTimer?
    private var shutdownHooks: [() -> Void] = []
    /// Late timer firings, for metrics. Nil when `lagSampleInterval` is nil.
    package private(set) var lagMonitor: LoopLagMonitor?

    /// Creates a loop owned by the calling thread.
    package init(
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "kct.eventloop")
    ) throws(UVError) {
        self.configuration = configuration
        self.logger = logger
        self.ownerThread = pthread_self()
        let loop = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
        let initResult = uv_loop_init(loop)
        if initResult < 0 {
            loop.deallocate()
            throw UVError(code: initResult, operation: "uv_loop_init")
        }
        self.uvLoop = loop
        self.wakeup = UVMemory.allocateHandle(UV_ASYNC)
        let asyncResult = uv_async_init(loop, wakeup.assumingMemoryBound(to: uv_async_t.self), drainInbox)
        if asyncResult < 0 {
            wakeup.deallocate()
            uv_loop_close(loop)
            loop.deallocate()
            throw UVError(code: asyncResult, operation: "uv_async_init")
        }
        // Unretained: the loop outlives its own async handle (closed in teardown before deinit).
        uv_handle_set_data(wakeup.uvHandle, Unmanaged.passUnretained(self).toOpaque())
        if let interval = configuration.lagSampleInterval {
            lagMonitor = LoopLagMonitor(loop: self, interval: interval, window: configuration.lagWindow)
        }
    }

    deinit {
        // A loop that never ran still owns its handles; close them and let libuv finish.
        if state == .created, pthread_equal(pthread_self(), ownerThread) != 0 {
            try? teardown()
        }
    }

    // MARK: Threads

    /// True on the thread that owns the loop.
    package var isInLoopThread: Bool { pthread_equal(pthread_self(), ownerThread) != 0 }

    @inline(__always)
    package func assertInLoopThread(file: StaticString = #fileID, line: UInt = #line) {
        precondition(isInLoopThread, "called off the event loop's thread", file: file, line: line)
    }

    /// Runs `job` on the loop thread soon. Callable from any thread; returns false (and drops
    /// the job) once the loop has shut down.
    @discardableResult
    package func execute(_ job: @escaping @Sendable () -> Void) -> Bool {
        inbox.withLock { inbox in
            guard inbox.accepting else { return false }
            inbox.jobs.append(job)
            // Under the lock so teardown cannot close the async handle between check and send.
            uv_async_send(wakeup.assumingMemoryBound(to: uv_async_t.self))
            return true
        }
    }

    fileprivate func runInbox() {
        let jobs = inbox.withLock { inbox in
            let jobs = inbox.jobs
            inbox.jobs = []
            return jobs
        }
        for job in jobs { job() }
    }

    // MARK: Running

    /// Runs the loop until a shutdown completes, then closes every handle and the loop.
    package func run() throws {
        assertInLoopThread()
        guard state == .created else { throw EventLoopError.alreadyRan }
        state = .running
        uv_run(uvLoop, UV_RUN_DEFAULT)
        try teardown()
    }

    /// Everything after the main `uv_run`: close what is left, drain close callbacks, close the loop.
    private func teardown() throws(UVError) {
        state = .finished
        for service in Array(services.values) { service.forceClose() }
        services.removeAll()
        signalWatchers.forEach { $0.close() }
        signalWatchers.removeAll()
        graceTimer?.close()
        graceTimer = nil
        lagMonitor?.close()
        // Jobs that arrived late still run, so nobody waiting on them (e.g. `submit`) hangs.
        runInbox()
        inbox.withLock { $0.accepting = false }
        runInbox()
        uv_close(wakeup.uvHandle, freeOnClose)
        uv_run(uvLoop, UV_RUN_DEFAULT)
        let result = uv_loop_close(uvLoop)
        if result < 0 {
            // Some handle was never closed; leaking the loop beats freeing memory libuv still uses.
            logger.error(
                "uv_loop_close failed; handles still open",
                metadata: ["error": "\(UVError(code: result, operation: "uv_loop_close"))"])
            throw UVError(code: result, operation: "uv_loop_close")
        }
        uvLoop.deallocate()
    }

    // MARK: Services and shutdown

    /// Registers a service to be told about shutdown. Registering during shutdown tells it at once.
    package func register(_ service: any LoopService) {
        assertInLoopThread()
        services[ObjectIdentifier(service)] = service
        if state == .shuttingDown { service.beginShutdown() }
    }

    /// Forgets a service that closed by itself.
    package func unregister(_ service: any LoopService) {
        assertInLoopThread()
        services.removeValue(forKey: ObjectIdentifier(service))
    }

    /// Runs `hook` when shutdown begins (before services are told), e.g. to flush state.
    package func onShutdown(_ hook: @escaping () -> Void) {
        assertInLoopThread()
        shutdownHooks.append(hook)
    }

    package var isShuttingDown: Bool { state == .shuttingDown || state == .finished }

    /// Starts a graceful shutdown: hooks run, services stop taking work and finish what is in
    /// flight; after `grace` whatever is left is closed. `run()` returns when nothing is left.
    package func shutdown(grace: Duration? = nil) {
        assertInLoopThread()
        guard state == .running || state == .created else { return }
        state = .shuttingDown
        logger.debug("event loop shutting down")
        let hooks = shutdownHooks
        shutdownHooks = []
        hooks.forEach { $0() }
        for service in Array(services.values) { service.beginShutdown() }
        // The wake-up handle must not keep the loop alive now, but it stays open for late jobs.
        uv_unref(wakeup.uvHandle)
        let timer = LoopTimer(loop: self, loopInternal: true) { [unowned self] _ in
            self.logger.debug("shutdown grace period over; closing what is left")
            for service in Array(self.services.values) { service.forceClose() }
        }
        timer.unref()
        timer.start(after: grace ?? configuration.shutdownGrace)
        graceTimer = timer
    }

    /// `shutdown` from any thread.
    package func requestShutdown(grace: Duration? = nil) {
        execute { [self] in shutdown(grace: grace) }
    }

    /// SIGINT/SIGTERM (or the given signals) start a graceful shutdown; a second signal closes
    /// everything at once. The watchers do not keep the loop alive by themselves.
    package func shutdownOnSignals(_ signals: [Int32] = [SIGINT, SIGTERM]) throws(UVError) {
        assertInLoopThread()
        for signal in signals {
            let watcher = try SignalWatcher(loop: self, signal: signal) { [unowned self] signal in
                if self.state == .shuttingDown {
                    self.logger.notice("second signal \(signal): closing everything now")
                    for service in Array(self.services.values) { service.forceClose() }
                } else {
                    self.logger.notice("signal \(signal): shutting down gracefully")
                    self.shutdown()
                }
            }
            signalWatchers.append(watcher)
        }
    }

    /// The loop's current time in milliseconds (libuv's cached clock, updated once per iteration).
    package var now: UInt64 {
        assertInLoopThread()
        return uv_now(uvLoop)
    }
}

private let drainInbox: uv_async_cb = { handle in
    guard let handle, let data = uv_handle_get_data(UnsafeMutableRawPointer(handle).uvHandle) else { return }
    Unmanaged<EventLoop>.fromOpaque(data).takeUnretainedValue().runInbox()
}

/// Close callback for handles whose `data` is not retained (the loop's own async handle).
private let freeOnClose: uv_close_cb = { handle in
    guard let handle else { return }
    UnsafeMutableRawPointer(handle).deallocate()
}
