import Central
import Foundation
import GRDB
import HTTP
import StorageSupport
import SyncCore
import TestSupport
import Testing

/// Snapshot bootstrap and log compaction at central (SYNC-PROTOCOL.md §4.9–4.10): snapshot pages
/// are scoped as pulls are, pinned at a version, resumable by order id; compaction removes the
/// log below a horizon, after which a pull from below it gets 410 `cursor_compacted`.
@Suite struct SnapshotCompactionTests {
    typealias Fixture = ScopeTests.Fixture

    /// A snapshot request sent at `version` (the compact form's from 4, §4.9.1).
    static func snapshotResponse(
        _ fixture: Fixture, _ request: SnapshotRequest, token: String, version: Int64 = ProtocolVersion.current
    ) async throws -> HTTPClientResponse {
        try await fixture.client.send(
            .get, fixture.service.baseURL + "/v1/snapshot?" + request.queryString,
            headers: ["Authorization": "Bearer \(token)", ProtocolVersion.headerName: String(version)])
    }

    /// Every page of a snapshot in `form`: its pages' texts (a compact page's bytes as UTF-8) and
    /// orders.
    static func snapshotAll(_ fixture: Fixture, limit: Int, token: String, form: SnapshotPageForm = .json)
        async throws -> (pages: [SnapshotPage], texts: [String])
    {
        var request = SnapshotRequest(limit: limit)
        var pages: [SnapshotPage] = []
        var texts: [String] = []
        let version = form == .compact ? ProtocolVersion.compactSnapshotPages : ProtocolVersion.current
        for _ in 0..<100 {
            let response = try await snapshotResponse(fixture, request, token: token, version: version)
            #expect(response.status.code == 200, "\(response.text)")
            let compact = response.headers["Content-Type"] == SnapshotPageCodec.contentType
            #expect(compact == (form == .compact))
            let page = compact ? try SnapshotPageCodec.decode(response.body) : try SnapshotPage.decode(response.body)
            pages.append(page)
            texts.append(response.text)
            guard page.hasMore else { break }
            request = SnapshotRequest(version: page.version, after: page.nextAfter, limit: limit)
        }
        return (pages, texts)
    }

    @Test(arguments: CentralBackend.allCases)
    func compactionSendsNodesBehindTheHorizonToASnapshot(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let edits = (3...20).map { Build.change("n-w1", Int64($0), at: UInt64($0), ["notes": .text("note \($0)")]) }
        _ = try await fixture.push(PushRequest(nodeID: "n-w1", changes: edits), token: fixture.w1)
        let head = fixture.service.store.headVersion
        let started = try SnapshotPage.decode(
            try await Self.snapshotResponse(fixture, SnapshotRequest(limit: 1), token: fixture.admin).body)
        #expect(started.version == head && started.hasMore)

        // Another process compacts (as `kct central compact` does beside a running serve).
        let admin = try CentralStore.open(at: fixture.storage.location)
        let report = try admin.compact(CompactionPolicy(keepVersions: 5))
        #expect(report.compactedThrough == head - 5 && report.removedEntries == head - 5)
        #expect(try admin.compact(CompactionPolicy(keepVersions: 5)).removedEntries == 0, "idempotent")

        let behind = try await fixture.pullResponse(after: 3, token: fixture.w1)
        #expect(behind.status.code == 410)
        #expect(try ErrorResponse.decode(behind.body).code == .cursorCompacted)
        // From the horizon on, pulls answer as before.
        let atHorizon = try PullResponse.decode(try await fixture.pullResponse(after: head - 5, token: fixture.w1).body)
        #expect(atHorizon.entries.map(\.version) == Array((head - 4)...head))
        // The snapshot pinned at the head is still good; one pinned below the horizon is not.
        let next = try await Self.snapshotResponse(
            fixture, SnapshotRequest(version: started.version, after: started.nextAfter, limit: 10),
            token: fixture.admin)
        #expect(next.status.code == 200)
        let stale = try await Self.snapshotResponse(
            fixture, SnapshotRequest(version: 2, after: "o-1", limit: 10), token: fixture.admin)
        #expect(stale.status.code == 410)
        // The audit trail is never compacted, and an order is still found by its number.
        #expect(!(try admin.audit(.order("o-1"))).isEmpty)
        #expect(!(try admin.audit(.order("S01-W1-1"))).isEmpty, "by the number of a compacted creation")
        try await fixture.stop()
    }

    /// `--keep-days`: the first entry stamped within the window and everything after it stay.
    @Test(arguments: CentralBackend.allCases)
    func compactionByAgeKeepsTheEntriesStampedWithinTheWindow(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        // Versions 1 and 2 stamped at t0 + 1 s and 2 s, version 3 at t0 + 3 s; central's clock one
        // day and 2.5 s after t0.
        let admin = try CentralStore.open(at: fixture.storage.location) { Build.t0 + 86_400_000 + 2_500 }
        #expect(try admin.compact(CompactionPolicy(keepDays: 2)).compactedThrough == 0)
        let byAge = try admin.compact(CompactionPolicy(keepDays: 1))
        #expect(byAge.compactedThrough == 2 && byAge.removedEntries == 2)
        // Either window keeps an entry: the last 2 versions would keep version 2, but it is gone.
        #expect(try admin.compact(CompactionPolicy(keepDays: 1, keepVersions: 0)).compactedThrough == 2)
        #expect(try admin.compact(CompactionPolicy(keepDays: 0)).compactedThrough == 3)
        try await fixture.stop()
    }

    /// `kct central serve --compact-keep-versions N`: compacts at start and then periodically.
    @Test(arguments: CentralBackend.allCases)
    func serveCompactsByItsPolicy(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        try await fixture.client.stop()
        try await fixture.service.stop()
        var options = CentralServeOptions()
        options.compaction = CompactionPolicy(keepVersions: 1)
        options.compactionInterval = .milliseconds(100)
        let service = try await CentralService.start(location: fixture.storage.location, options: options)
        let store = service.store
        #expect(try await eventually { try store.compactedThrough() == store.headVersion - 1 })
        try await service.stop()
        fixture.storage.remove()
    }

    @Test func snapshotQueriesAreChecked() throws {
        #expect(throws: ErrorResponse.self) { try SnapshotRequest(query: ["after": "o-1"]) }
        #expect(throws: ErrorResponse.self) { try SnapshotRequest(query: ["version": "-1"]) }
        #expect(throws: ErrorResponse.self) { try SnapshotRequest(query: ["cursor": "1"]) }
        let request = try SnapshotRequest(query: ["version": "7", "after": "o 1/é", "limit": "99999"])
        #expect(request.limit == SnapshotRequest.maximumLimit)
        #expect(request.queryString == "version=7&after=o%201%2F%C3%A9&limit=5000")
    }
}

/// Scope isolation of `GET /v1/snapshot`, beside the other endpoints' in `ScopeTests`: a token of
/// shop S02 never gets an S01 order by snapshot either.
extension ScopeTests {
    @Test(arguments: CentralBackend.allCases, [SnapshotPageForm.json, .compact])
    func aSnapshotHoldsOnlyTheTokensShop(_ backend: CentralBackend, _ form: SnapshotPageForm) async throws {
        let fixture = try await Fixture.start(backend)
        let more = (3...7).map { Fixture.createOrder("n-w1", Int64($0), at: UInt64($0) + 10, order: "o-1\($0)") }
        _ = try await fixture.push(PushRequest(nodeID: "n-w1", changes: more), token: fixture.w1)

        let s02 = try await SnapshotCompactionTests.snapshotAll(fixture, limit: 2, token: fixture.w2, form: form)
        #expect(s02.pages.flatMap(\.orders).map(\.orderID) == ["o-2"])
        #expect(s02.pages.first?.ordersTotal == 1)
        for text in s02.texts {
            #expect(!text.contains(Fixture.secret) && !text.contains("o-1") && !text.contains("i-1"), "\(text)")
        }
        // S01's node pages through its six orders, two at a time, all pinned at one version.
        let s01 = try await SnapshotCompactionTests.snapshotAll(fixture, limit: 2, token: fixture.w1, form: form)
        #expect(s01.pages.count == 3)
        #expect(Set(s01.pages.map(\.version)).count == 1)
        #expect(s01.pages.flatMap(\.orders).map(\.orderID) == ["o-1", "o-13", "o-14", "o-15", "o-16", "o-17"])
        #expect(s01.pages.first?.orders.first?.rows.count == 2, "the order and its item")
        #expect(!s01.texts.joined().contains("o-2"))
        // An admin workstation (scope all) gets every shop's orders.
        let all = try await SnapshotCompactionTests.snapshotAll(fixture, limit: 100, token: fixture.admin, form: form)
        #expect(all.pages.flatMap(\.orders).count == 7)
        // Central's state, as the reference model gets it from the log: the same pages.
        let log = try fixture.service.store.pull(PullRequest(after: 0, limit: 5000)).entries
        var model = ReplicaModel()
        for entry in log { model.merge(entry.change, version: entry.version) }
        let expected = model.snapshotPage(
            after: nil, limit: 100, version: all.pages[0].version, headVersion: all.pages[0].headVersion,
            ordersTotal: 7)
        #expect(all.pages[0] == expected)
        try await fixture.stop()
    }
}

extension SnapshotCompactionTests {
    /// `2026-12-07-log-compaction` on a central made by the schema before it (what an older kct left
    /// on disk): nothing compacted, snapshots and compaction work at once.
    // SQLite only: a store from before one of SQLite's migrations; PostgreSQL's schema starts past them all.
    @Test func aCentralFromBeforeCompactionMigrates() async throws {
        let fixture = try await ScopeTests.Fixture.start(.sqlite)
        try await fixture.client.stop()
        try await fixture.service.stop()
        let path = fixture.storage.directory.database
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    DROP INDEX order_shops_by_shop;
                    DROP TABLE compacted_order_numbers;
                    ALTER TABLE central_state DROP COLUMN compacted_through;
                    DELETE FROM grdb_migrations WHERE identifier = '2026-12-07-log-compaction';
                    """)
        }
        try queue.close()
        let store = try CentralStore.open(path: path)
        #expect(try store.compactedThrough() == 0)
        let page = try SnapshotPage.decode(try store.snapshotPage(SnapshotRequest(), shop: "S01").body)
        #expect(page.orders.map(\.orderID) == ["o-1"] && page.version == store.headVersion)
        #expect(try store.compact(CompactionPolicy(keepVersions: 1)).compactedThrough == store.headVersion - 1)
        fixture.storage.remove()
    }
}
