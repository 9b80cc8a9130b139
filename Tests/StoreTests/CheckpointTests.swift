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

        // Everything is copied and the checkpointer started the WAL over itself (with a one-page
        // write), so the next edit appends to it without starting the log over, which would
        // write and sync a new WAL header, with new salts, in the edit. (Read the header, not
        // `walFrames`, here: its checkpoint would let the edit start the WAL over again.)
        let salts = try Self.walHeaderSalts(store)
        try store.createOrder(sampleDraft(), by: .test("test@kct.example"))
        #expect(try Self.walHeaderSalts(store) == salts)
        let frames = try Self.walFrames(store)
        #expect(frames > 1)
        #expect(frames < 200)
    }

    /// Bytes 16..<24 of the WAL header: new random salts each time SQLite starts the WAL over.
    static func walHeaderSalts(_ store: OrderStore) throws -> [UInt8] {
        let handle = try #require(FileHandle(forReadingAtPath: store.path + "-wal"))
        defer { try? handle.close() }
        let header = try #require(try handle.read(upToCount: 32))
        return Array(header[16..<24])
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
