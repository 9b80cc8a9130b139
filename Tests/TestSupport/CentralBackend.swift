import Testing

/// The two backends central's suites run on (issue 14): every test of the store, the service or
/// a cluster of processes that is not about one backend takes one as its argument,
/// `@Test(arguments: CentralBackend.allCases)`.
package enum CentralBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    package var testDescription: String { rawValue }
}
