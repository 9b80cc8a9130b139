import Central
import Foundation
import HTTP
import SyncCore
import TestSupport
import Testing

/// `kct central vacuum` while `central serve` takes pushes: every push is applied once, the log
/// is whole and the file sound.
@Suite struct CentralVacuumTests {
    // SQLite only: `kct central vacuum --db FILE` rewrites the file; the report is its sizes.
    @Test func vacuumWhileServingLosesNoPush() async throws {
        try await withStopping(try await HTTPEndpointTests.Fixture.start(.sqlite)) { fixture in
            let path = fixture.storage.directory.database
            // Some history first, so there is a file to rewrite.
            for sequence in Int64(1)...60 {
                let response = try await fixture.push(
                    PushRequest(
                        nodeID: "n-w1",
                        changes: [Build.createOrder("n-w1", sequence, at: UInt64(sequence), order: "o-\(sequence)")]),
                    token: fixture.w1)
                #expect(response.status.code == 200)
            }
            let vacuums = Task.detached {
                try (0..<3).map { _ in try ServeProcessTests.run(["central", "vacuum", "--db", path, "--json"]) }
            }
            for sequence in Int64(61)...120 {
                let response = try await fixture.push(
                    PushRequest(
                        nodeID: "n-w1",
                        changes: [Build.createOrder("n-w1", sequence, at: UInt64(sequence), order: "o-\(sequence)")]),
                    token: fixture.w1)
                #expect(response.status.code == 200, "\(response.text)")
                #expect(try PushResponse.decode(response.body).outcomes.map(\.result) == [.applied])
            }
            for run in try await vacuums.value {
                #expect(run.status == 0, "\(run.stderr)")
                let report = try #require(
                    try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
                let before = try #require(report["bytes_before"] as? Int)
                let after = try #require(report["bytes_after"] as? Int)
                #expect(after > 0 && after <= before + 4096 * 8, "\(report)")
            }
            #expect(fixture.head == 120)
            #expect(try fixture.service.store.integrityCheck() == ["ok"])
            let reopened = try CentralStore.open(path: path)
            #expect(reopened.headVersion == 120)
            #expect(try reopened.integrityCheck() == ["ok"])
        }
    }
}
