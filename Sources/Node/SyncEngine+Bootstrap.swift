import Foundation
import HTTP
import StorageSupport
import Store
import SyncCore

/// Snapshot bootstrap (SYNC-PROTOCOL.md §4.9): before pulling, a replica that must bootstrap (new,
/// or behind central's compaction horizon) fetches its scope's snapshot page by page, merging each
/// with its checkpoint in one transaction, then pulls from the snapshot's version. A dropped
/// connection fails the cycle like any request; the next cycle resumes after the last page merged.
extension SyncEngine {
    /// Bootstraps first when the replica needs it, else pulls.
    func pullOrBootstrap() {
        let limit = configuration.snapshotPageLimit
        withStore({ store throws(StoreError) in try store.pendingSnapshot(limit: limit) }) { [self] request in
            guard let request else { return pull(after: nil) }
            fetchSnapshot(request)
        }
    }

    /// Central answered `cursor_compacted` (to a pull, or to a snapshot whose version fell behind
    /// the horizon): a new snapshot, keeping the outbox and what is confirmed. Once per cycle, so
    /// a central compacting faster than the node bootstraps means a retry later, not a loop.
    func restartBootstrap() {
        report.snapshotRestarts += 1
        guard report.snapshotRestarts <= 2 else {
            return fail(
                .badResponse(
                    endpoint: "/v1/snapshot", status: 410, message: "the log was compacted again during bootstrap"))
        }
        withStore({ store throws(StoreError) in try store.requireBootstrap() }) { [self] in pullOrBootstrap() }
    }

    private func fetchSnapshot(_ snapshot: SnapshotRequest) {
        var headers = protocolHeaders
        let compact = configuration.compactSnapshotPages && !compactSnapshotsRefused
        if compact {
            headers.set(ProtocolVersion.headerName, String(ProtocolVersion.compactSnapshotPages))
        }
        let request = HTTPClientRequest(
            method: .get, url: endpoint.centralURL + "/v1/snapshot?" + snapshot.queryString, headers: headers,
            timeout: configuration.requestTimeout)
        send(request, endpoint: "/v1/snapshot") { [self] result in
            switch result {
            case .failure(.central(let error, _)) where error.code == .cursorCompacted:
                logger.notice("the snapshot's version fell behind central's compaction horizon; starting over")
                restartBootstrap()
            case .failure(.central(let error, _)) where error.code == .unsupportedProtocolVersion && compact:
                logger.notice("central does not serve compact snapshot pages; asking for JSON pages")
                compactSnapshotsRefused = true
                fetchSnapshot(snapshot)
            case .failure(let error): fail(error)
            case .success(let response):
                // A page is up to a few MiB: decoded and merged off the loop, in one go.
                let status = response.status.code
                let body = response.body
                let compact = response.headers["Content-Type"] == SnapshotPageCodec.contentType
                withStore({ store throws(StoreError) in
                    try Self.merge(body, compact: compact, status: status, pinned: snapshot.version, into: store)
                }) { [self] merged in
                    let page: MergedPage
                    switch merged {
                    case .failure(let error): return fail(error)
                    case .success(let done): page = done
                    }
                    noteHead(page.headVersion)
                    report.snapshotOrders += page.orders
                    absorb(page.applied)
                    onBootstrapProgress?(page.progress, !page.hasMore)
                    if page.hasMore {
                        fetchSnapshot(
                            SnapshotRequest(
                                version: page.progress.version, after: page.nextAfter, limit: snapshot.limit))
                    } else {
                        logger.info(
                            "bootstrapped \(page.progress.ordersDone) orders at version \(page.progress.version)")
                        pull(after: nil)
                    }
                }
            }
        }
    }

    /// What merging one snapshot page did, for the loop.
    struct MergedPage: Sendable {
        var applied: SyncApplyReport
        var progress: BootstrapProgress
        var orders: Int
        var hasMore: Bool
        var nextAfter: String?
        var headVersion: Int64
    }

    /// Decodes and checks a snapshot page (`compact`: SYNC-PROTOCOL.md §4.9.1, else JSON) and
    /// merges it (on the thread pool).
    static func merge(_ body: [UInt8], compact: Bool, status: Int, pinned: Int64?, into store: OrderStore)
        throws(StoreError) -> Result<MergedPage, SyncError>
    {
        func refused(_ message: String) -> Result<MergedPage, SyncError> {
            .failure(.badResponse(endpoint: "/v1/snapshot", status: status, message: message))
        }
        let page: SnapshotPage
        do {
            page = compact ? try SnapshotPageCodec.decode(body) : try SnapshotPage.decode(body)
        } catch {
            return refused("\(error)")
        }
        if let pinned, page.version != pinned {
            return refused("asked for the snapshot of version \(pinned), got version \(page.version)")
        }
        if page.hasMore && page.nextAfter == nil { return refused("has_more on an empty page") }
        let before = try store.bootstrapProgress()
        let applied = try store.applySnapshotPage(page)
        let progress = BootstrapProgress(
            version: page.version, ordersDone: (before?.ordersDone ?? 0) + Int64(page.orders.count),
            ordersTotal: before?.ordersTotal ?? page.ordersTotal, startedAt: before?.startedAt ?? Date())
        return .success(
            MergedPage(
                applied: applied, progress: progress, orders: page.orders.count, hasMore: page.hasMore,
                nextAfter: page.nextAfter, headVersion: page.headVersion))
    }
}
