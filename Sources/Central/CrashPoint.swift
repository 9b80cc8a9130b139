import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Named points at which central can be made to die at once, as `kill -9` would, for the fault
/// tests: `KCT_TEST_CRASH_AT=effect-claimed` (an effect is recorded in flight, its provider not
/// yet called) or `provider-answered` (the provider acted, its answer not yet recorded).
/// Unset, as in production, a point costs one comparison.
enum CrashPoint: String, Sendable {
    case effectClaimed = "effect-claimed"
    case providerAnswered = "provider-answered"

    static let environmentVariable = "KCT_TEST_CRASH_AT"
    static let armed: CrashPoint? = ProcessInfo.processInfo.environment[environmentVariable].flatMap(CrashPoint.init)

    static func reached(_ point: CrashPoint) {
        guard armed == point else { return }
        _exit(137)
    }
}
