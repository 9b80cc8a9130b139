import Foundation
import HTTP
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
        let request = HTTPClientRequest(
            method: .get, url: endpoint.centralURL + "/v1/snapshot?" + snapshot.queryString, headers: protocolHeaders,
            timeout: configuration.requestTimeout)
        send(request, endpoint: "/v1/snapshot") { [self] result in
            switch result {
            case .failure(.central(let error, _)) where error.code == .cursorCompacted:
                logger.notice("the snapshot's version fell behind central's compaction horizon; starting over")
                restartBootstrap()
            case .failure(let error): fail(error)
            case .success(let response):
                let page: SnapshotPage
                do { page = try SnapshotPage.decode(response.body) } catch {
                    return fail(
                        .badResponse(endpoint: "/v1/snapshot", status: response.status.code, message: "\(error)"))
                }
                if let pinned = snapshot.version, page.version != pinned {
                    return fail(
                        .badResponse(
                            endpoint: "/v1/snapshot", status: response.status.code,
                            message: "asked for the snapshot of version \(pinned), got version \(page.version)"))
                }
                if page.hasMore && page.nextAfter == nil {
                    return fail(
                        .badResponse(
                            endpoint: "/v1/snapshot", status: response.status.code,
                            message: "has_more on an empty page"))
                }
                noteHead(page.headVersion)
                withStore({ store throws(StoreError) in
                    let before = try store.bootstrapProgress()
                    let applied = try store.applySnapshotPage(page)
                    let progress = BootstrapProgress(
                        version: page.version, ordersDone: (before?.ordersDone ?? 0) + Int64(page.orders.count),
                        ordersTotal: before?.ordersTotal ?? page.ordersTotal, startedAt: before?.startedAt ?? Date())
                    return (applied, progress)
                }) { [self] (applied: SyncApplyReport, progress: BootstrapProgress) in
                    report.snapshotOrders += page.orders.count
                    absorb(applied)
                    onBootstrapProgress?(progress, !page.hasMore)
                    if page.hasMore {
                        fetchSnapshot(
                            SnapshotRequest(version: page.version, after: page.nextAfter, limit: snapshot.limit))
                    } else {
                        logger.info("bootstrapped \(progress.ordersDone) orders at version \(page.version)")
                        pull(after: nil)
                    }
                }
            }
        }
    }
}
