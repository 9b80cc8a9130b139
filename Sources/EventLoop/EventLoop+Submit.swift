extension EventLoop {
    /// Runs `body` on the loop thread and returns its result to an async caller on any thread.
    package func submit<Output: Sendable>(_ body: @escaping @Sendable (EventLoop) throws -> Output) async throws
        -> Output
    {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = execute { [self] in
                continuation.resume(with: Result { try body(self) })
            }
            if !accepted { continuation.resume(throwing: EventLoopError.shutDown) }
        }
    }

    /// Runs `body` on the loop thread and waits until it calls `finish` (from the loop thread),
    /// e.g. when an HTTP request it started completes. `finish` must be called exactly once.
    package func submitDeferred<Output: Sendable>(
        _ body: @escaping @Sendable (EventLoop, _ finish: @escaping (Result<Output, any Error>) -> Void) -> Void
    ) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = execute { [self] in
                body(self) { continuation.resume(with: $0) }
            }
            if !accepted { continuation.resume(throwing: EventLoopError.shutDown) }
        }
    }
}

/// A loop-confined value that may travel between threads but is only opened on its loop's
/// thread — how a server, responder or client is handed to `execute` from another thread.
package struct LoopBound<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is the only access to the wrapped value and it checks it is on
    // the loop thread, so the value is never used concurrently.
    package let loop: EventLoop
    private let wrapped: Value

    package init(_ value: Value, loop: EventLoop) {
        loop.assertInLoopThread()
        self.loop = loop
        self.wrapped = value
    }

    package var value: Value {
        loop.assertInLoopThread()
        return wrapped
    }
}
