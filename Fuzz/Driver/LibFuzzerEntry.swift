import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's entry for a program with its own `main` (SwiftPM links an executable's `main` to
/// its module's entry point, so libFuzzer's own `main` is not the one that runs). Declared here, not in a C shim: one
/// function of three pointer arguments has the same calling convention in Swift and C on the
/// platforms we build on.
@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzer(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Set once in `main` before libFuzzer runs any input, then only read (the C callback cannot
/// capture it).
nonisolated(unsafe) private var selectedTarget = FuzzTarget.protocol

/// The libFuzzer driver, built only by `make fuzz` (Package.swift adds this target when KCT_FUZZ
/// is set) with `-sanitize=fuzzer,address`. KCT_FUZZ_TARGET names the target (protocol, http,
/// gzip); the arguments are libFuzzer's.
@main
enum LibFuzzerDriver {
    static func main() {
        if let name = getenv("KCT_FUZZ_TARGET").map({ String(cString: $0) }) {
            guard let target = FuzzTarget(rawValue: name) else {
                print(
                    "KCT_FUZZ_TARGET=\(name) is not a fuzz target "
                        + "(\(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
                exit(2)
            }
            selectedTarget = target
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runLibFuzzer(&argc, &argv, fuzzerTestOneInput))
    }
}

/// One input. Exported under libFuzzer's name as well: the fuzzer runtime is linked whole,
/// and its unused `main` refers to it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try selectedTarget.run(bytes)
    } catch {
        // A broken promise is a finding like a crash: libFuzzer saves the input on the trap.
        fatalError("\(error)")
    }
    return 0
}
