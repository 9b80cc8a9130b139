/// The parts of kct fuzzed by `make fuzz`. Each entry point takes arbitrary bytes and either
/// returns what they amounted to or throws `FuzzFailure` when an invariant is broken; crashes and
/// traps are failures too (libFuzzer catches them, regression tests crash). The libFuzzer driver
/// (Fuzz/Driver) and Tests/FuzzRegressionTests call exactly these.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// The sync protocol's decoders, the change validator and the permission matrix.
    case `protocol`
    /// The HTTP server's request parser, fed in chunk splits derived from the input.
    case http
    /// Gzip request-body decompression as central applies it to pushes.
    case gzip

    /// Runs one input; the result describes it (for the replay output and test messages).
    @discardableResult
    package func run(_ bytes: [UInt8]) throws(FuzzFailure) -> String {
        switch self {
        case .protocol: try ProtocolFuzzTarget.run(bytes)
        case .http: try HTTPFuzzTarget.run(bytes)
        case .gzip: try GzipFuzzTarget.run(bytes)
        }
    }
}

/// An input made a fuzzed component break one of its promises without crashing (a round trip
/// that changes the message, an error of the wrong kind, results that depend on chunking).
package struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    package let target: FuzzTarget
    package let message: String

    package init(_ target: FuzzTarget, _ message: String) {
        self.target = target
        self.message = message
    }

    package var description: String { "\(target.rawValue): \(message)" }
}
