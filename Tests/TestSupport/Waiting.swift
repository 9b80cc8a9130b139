import Foundation
import Synchronization

/// Polls `condition` every 20 ms until it holds or `timeout` passes, and says whether it held;
/// for state that changes on another thread without an event to await (a value sampled by a
/// timer, a server noticing a closed socket). Where there is an event, wait on `Wakeups`.
package func eventually(
    timeout: Duration = .seconds(10), _ condition: @escaping @Sendable () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A condition that did not hold in time.
package struct WaitTimedOut: Error, CustomStringConvertible {
    package let what: String
    package let timeout: Duration

    package init(what: String, timeout: Duration) {
        self.what = what
        self.timeout = timeout
    }

    package var description: String { "timed out after \(timeout) waiting until \(what)" }
}

/// Waits that wake when something happened (a daemon's sync cycle, a server-sent event), each
/// waiter then re-checking its own condition: no polling, and the timeout only ends a wait
/// that would otherwise hang (it synchronises nothing).
package final class Wakeups: Sendable {
    private let waiters = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    package init() {}

    /// Wakes every current waiter; call after the change a waiter may be waiting for.
    package func wake() {
        waiters.withLock { Array($0.values) }.forEach { $0.yield() }
    }

    package func waitUntil(
        _ what: String, timeout: Duration, _ condition: @escaping @Sendable () async throws -> Bool
    ) async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        waiters.withLock { $0[id] = continuation }
        defer { _ = waiters.withLock { $0.removeValue(forKey: id) } }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            continuation.finish()
        }
        defer { timer.cancel() }
        if try await condition() { return }
        for await _ in stream {
            if try await condition() { return }
        }
        if try await condition() { return }
        throw WaitTimedOut(what: what, timeout: timeout)
    }
}

/// A server, client or loop thread a test starts and must stop.
package protocol Stoppable {
    func stop() async throws
}

/// Runs `body` with `resource`, then stops it whether `body` returned or threw, so a failing
/// test cannot leak a server or a loop thread. (A `defer` cannot `await` the stop.)
package func withStopping<Resource: Stoppable, Result>(
    _ resource: Resource, _ body: (Resource) async throws -> Result
) async throws -> Result {
    try await withStopping(resource, stop: { try await $0.stop() }, body)
}

/// As above, for a resource stopped otherwise (`EventLoopThread.shutdown`).
package func withStopping<Resource, Result>(
    _ resource: Resource, stop: (Resource) async throws -> Void, _ body: (Resource) async throws -> Result
) async throws -> Result {
    let result: Result
    do {
        result = try await body(resource)
    } catch {
        try? await stop(resource)
        throw error
    }
    try await stop(resource)
    return result
}
