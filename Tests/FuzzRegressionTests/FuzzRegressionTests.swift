import FuzzTargets
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One saved input: a seed of the corpus or a crash libFuzzer once found.
struct FuzzInput: CustomTestStringConvertible, Sendable {
    let target: FuzzTarget
    let url: URL
    var testDescription: String {
        let corpus = url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
        return "\(corpus)/\(target.rawValue)/\(url.lastPathComponent)"
    }

    /// Fuzz/ of this checkout, found from this file's path.
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files of Fuzz/<kind>/<target>/; empty when the directory is missing.
    static func files(_ kind: String, _ target: FuzzTarget) -> [FuzzInput] {
        let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map {
            FuzzInput(target: target, url: directory.appendingPathComponent($0))
        }
    }

    static let all: [FuzzInput] = ["corpus", "regressions"].flatMap { kind in
        FuzzTarget.allCases.flatMap { files(kind, $0) }
    }
}

@Suite struct FuzzRegressionTests {
    /// Without this the replay below could pass by finding nothing.
    @Test(arguments: ["corpus", "regressions"], FuzzTarget.allCases)
    func inputDirectoryIsNotEmpty(kind: String, target: FuzzTarget) {
        #expect(!FuzzInput.files(kind, target).isEmpty, "Fuzz/\(kind)/\(target.rawValue)/ is missing or empty")
    }

    /// Each saved input keeps every promise of its target (a crash here crashes the test run).
    @Test(arguments: FuzzInput.all)
    func replay(_ input: FuzzInput) throws {
        let bytes = try [UInt8](Data(contentsOf: input.url))
        #expect(throws: Never.self) { try input.target.run(bytes) }
    }
}
