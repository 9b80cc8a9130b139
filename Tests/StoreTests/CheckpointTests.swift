import Foundation
import GRDB
import Testing
@testable import OrderDomain
@testable import Store

/// WAL checkpoints run on the checkpointer's own connection, not inside edits (WALCheckpointer).
@Suite struct CheckpointTests {
    /// The WAL's length in frames as SQLite counts it (a passive checkpoint from another
    /// connection reports it whatever it copies).
    static func walFrames(_ store: OrderStore) throws -> Int {
        let probe = try DatabaseQueue(path: store.path)
        return try probe.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
    }

    @Test func checkpointsRunInTheBackgroundAndTheWALStartsOver() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        let databaseSize = try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0
        // 60 creations write a few thousand WAL frames, well below the writer's inline fallback
        // (`walAutocheckpointPages`), so only the background checkpointer can copy them.
        for _ in 0..<60 { try store.createOrder(sampleDraft(), by: .test("test@kct.example")) }
        #expect(store.waitForCheckpoints() >= 1)
        // The pages reached the database file.
        #expect(try FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int ?? 0 > databaseSize)

        // Everything is copied, so the next edit starts the WAL over: the log then holds that
        // edit's frames only.
        try store.createOrder(sampleDraft(), by: .test("test@kct.example"))
        let frames = try Self.walFrames(store)
        #expect(frames > 0)
        #expect(frames < 200)
    }

    @Test func theWALFileStopsGrowingAcrossBurstsOfEdits() throws {
        let directory = TemporaryDirectory()
        let store = try OrderStore.create(directory: directory.path, name: "W1", shopCode: "S01")
        var size = 0
        for _ in 0..<5 {
            for _ in 0..<60 { try store.createOrder(sampleDraft(), by: .test("test@kct.example")) }
            store.waitForCheckpoints()
            size = try FileManager.default.attributesOfItem(atPath: store.path + "-wal")[.size] as? Int ?? 0
        }
        // One burst writes at most 60 × 64 frames. Without checkpoints between the bursts the file
        // would hold all five (over 10,000 frames, where the writer's fallback starts it over).
        #expect(size > 0)
        #expect(size <= 32 + 60 * 64 * (24 + OrderStore.pageSize))
        #expect(try store.orders(OrderFilter(limit: 1_000)).count == 300)
    }
}
