import Foundation
import Synchronization

/// An `EventLoop` running on a thread of its own, for programs (and tests) whose main thread does
/// something else. `start` returns once the loop is ready; `shutdown` waits until it has finished.
package final class EventLoopThread: Sendable {
    package let loop: EventLoop
    private let finished: FinishSignal

    private init(loop: EventLoop, finished: FinishSignal) {
        self.loop = loop
        self.finished = finished
    }

    /// Creates a loop on a new thread and starts running it.
    package static func start(
        name: String = "kct-event-loop",
        configuration: EventLoop.Configuration = .init()
    ) async throws -> EventLoopThread {
        let finished = FinishSignal()
        let loop: EventLoop = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let loop: EventLoop
                do {
                    loop = try EventLoop(configuration: configuration)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: loop)
                let outcome = Result { try loop.run() }
                finished.finish(outcome)
            }
            thread.name = name
            thread.start()
        }
        return EventLoopThread(loop: loop, finished: finished)
    }

    /// Gracefully shuts the loop down and waits for its thread to finish; rethrows a teardown error.
    package func shutdown(grace: Duration? = nil) async throws {
        loop.requestShutdown(grace: grace)
        try await finished.wait()
    }

    /// Waits until the loop finishes by itself, e.g. after `shutdownOnSignals` saw SIGTERM — how a
    /// daemon's main task waits for its loop.
    package func waitUntilFinished() async throws {
        try await finished.wait()
    }
}

/// Completion of a loop thread's `run()`, awaitable once.
private final class FinishSignal: Sendable {
    private enum State {
        case running([CheckedContinuation<Void, any Error>])
        case finished(Result<Void, any Error>)
    }
    private let state = Mutex(State.running([]))

    func finish(_ outcome: Result<Void, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .running(let waiters) = state else { return [] }
            state = .finished(outcome)
            return waiters
        }
        waiters.forEach { $0.resume(with: outcome) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                switch state {
                case .running(var waiters):
                    waiters.append(continuation)
                    state = .running(waiters)
                    return nil
                case .finished(let outcome):
                    return outcome
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
