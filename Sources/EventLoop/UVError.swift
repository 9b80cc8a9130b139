import CLibUV

/// A libuv call that failed: which call, libuv's error code, and libuv's own name and text for it.
package struct UVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The negative errno-style code libuv returned (`UV_EADDRINUSE`, …).
    package let code: Int32
    /// The libuv function (or our operation) that failed, e.g. `uv_tcp_bind`.
    package let operation: String

    package init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libuv's symbolic name, e.g. `EADDRINUSE`.
    package var name: String { String(cString: uv_err_name(code)) }
    /// libuv's description, e.g. `address already in use`.
    package var message: String { String(cString: uv_strerror(code)) }

    package var description: String { "\(operation) failed: \(name) (\(message))" }

    /// Turns a libuv return value into a thrown error when it is negative.
    @discardableResult
    package static func check(_ result: Int32, _ operation: String) throws(UVError) -> Int32 {
        if result < 0 { throw UVError(code: result, operation: operation) }
        return result
    }
}

/// Misuse of the loop that is not a libuv failure.
package enum EventLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The loop has finished shutting down; the work was not run.
    case shutDown
    /// `run()` was called while the loop was already running or after it finished.
    case alreadyRan

    package var description: String {
        switch self {
        case .shutDown: "the event loop has shut down"
        case .alreadyRan: "the event loop's run() was already called"
        }
    }
}
