import EventLoop
import Foundation
import HTTP
import Store
import SyncCore

/// What one verification against central's checksums found and did (SYNC-PROTOCOL.md §4.11).
package struct VerifyReport: Sendable, Equatable {
    /// The log version both sides' checksums are of.
    package var version: Int64
    package var bucketsChecked = BucketChecksum.bucketCount
    /// The buckets compared (every bucket, or the daemon's slice).
    package var buckets = BucketChecksum.allBuckets
    /// Buckets whose visible or confirmed checksum differed from central's.
    package var mismatched: [Int] = []
    /// Mismatched buckets rewritten from central's state that match it now.
    package var repaired: [Int] = []
    /// Orders with pending local edits: compared by their confirmed state only.
    package var pendingOrders = 0
    /// Orders rewritten by the repairs.
    package var repairedOrders: Set<String> = []

    package var unrepaired: [Int] { mismatched.filter { !repaired.contains($0) } }
}

/// Why a verification did not finish.
package enum VerifyFailure: Error, Sendable, CustomStringConvertible {
    /// The replica's cursor is not at the version of central's checksums (central moved on, or
    /// this node has not pulled everything): pull, then verify again.
    case notCaughtUp(cursor: Int64, central: Int64)
    /// Central has no checksum endpoints (an older central answers 404).
    case unsupported
    case sync(SyncError)

    package var description: String {
        switch self {
        case .notCaughtUp(let cursor, let central):
            "not caught up: this replica is at version \(cursor), central's checksums at \(central); sync and retry"
        case .unsupported: "central does not offer checksums (GET /v1/checksums: 404); upgrade central"
        case .sync(let error): error.description
        }
    }
}

/// Checksums and self-healing: compares this replica's bucket checksums with central's at the
/// same log version and rewrites each mismatching bucket from central's state (the pending
/// local edits are merged over it again, as after a pull). Independent of the sync cycle's
/// phase: it may run while the engine is idle; the store refuses a repair whose version the
/// cursor has left, so a page merged meanwhile is never undone.
extension SyncEngine {
    /// Verifies `buckets` (every bucket by default) and, unless `repair` is false, repairs them.
    package func verify(
        buckets: ClosedRange<Int> = BucketChecksum.allBuckets, repair: Bool = true,
        completion: @escaping (Result<VerifyReport, VerifyFailure>) -> Void
    ) {
        loop.assertInLoopThread()
        fetch("/v1/checksums" + BucketChecksum.query(buckets), as: ChecksumsResponse.self) { [self] result in
            switch result {
            case .failure(let failure): completion(.failure(failure))
            case .success(let central):
                let store = self.store
                loop.offload({ try store.localChecksums(buckets: buckets) }) { [self] local in
                    switch local {
                    case .failure(let error): completion(.failure(.sync(.store(StoreError.wrapAny(error)))))
                    case .success(let local):
                        guard local.version == central.version, local.heardHead <= central.version else {
                            return completion(
                                .failure(.notCaughtUp(cursor: local.version, central: central.version)))
                        }
                        var report = VerifyReport(version: central.version)
                        report.buckets = buckets
                        report.bucketsChecked = buckets.count
                        report.pendingOrders = local.pendingOrders
                        report.mismatched = local.mismatches(central, buckets: buckets)
                        if !report.mismatched.isEmpty {
                            let buckets = report.mismatched
                            logger.warning("checksums differ from central's at \(central.version) in \(buckets)")
                        }
                        repairNext(repair ? report.mismatched[...] : [], report: report, completion: completion)
                    }
                }
            }
        }
    }

    /// Repairs the buckets one at a time, then records the verification.
    private func repairNext(
        _ buckets: ArraySlice<Int>, report: VerifyReport,
        completion: @escaping (Result<VerifyReport, VerifyFailure>) -> Void
    ) {
        let store = self.store
        guard let bucket = buckets.first else {
            loop.offload({
                try store.recordVerify(
                    version: report.version, checked: report.bucketsChecked, mismatched: report.mismatched.count,
                    repaired: report.repaired.count)
            }) { [self] recorded in
                if case .failure(let error) = recorded { logger.error("cannot record the verification: \(error)") }
                completion(.success(report))
            }
            return
        }
        fetch("/v1/buckets/\(bucket)", as: BucketResponse.self) { [self] result in
            switch result {
            case .failure(let failure): completion(.failure(failure))
            case .success(let response):
                guard response.version == report.version, response.bucket == bucket else {
                    return completion(.failure(.notCaughtUp(cursor: report.version, central: response.version)))
                }
                loop.offload({ try store.repairBucket(response) }) { [self] repaired in
                    var report = report
                    switch repaired {
                    case .failure(let error): return completion(.failure(.sync(.store(StoreError.wrapAny(error)))))
                    case .success(.stale(let cursor)):
                        return completion(.failure(.notCaughtUp(cursor: cursor, central: response.version)))
                    case .success(.repaired(let orders, let matches)):
                        report.repairedOrders.formUnion(orders)
                        if matches {
                            report.repaired.append(bucket)
                            logger.notice("repaired bucket \(bucket) from central (\(orders.count) orders)")
                        } else {
                            logger.error("bucket \(bucket) still differs from central's after its repair")
                        }
                        if !orders.isEmpty { onReplicaChanged?(orders) }
                    }
                    repairNext(buckets.dropFirst(), report: report, completion: completion)
                }
            }
        }
    }

    /// One GET of a checksum endpoint, decoded; independent of the cycle's phase.
    private func fetch<Message: WireCodable & Sendable>(
        _ path: String, as type: Message.Type, then: @escaping (Result<Message, VerifyFailure>) -> Void
    ) {
        let request = HTTPClientRequest(
            method: .get, url: endpoint.centralURL + path, headers: protocolHeaders,
            timeout: configuration.requestTimeout)
        _ = client.send(request) { result in
            switch result {
            case .failure(let error):
                if error.kind == .httpStatus, error.status?.code == 404 { return then(.failure(.unsupported)) }
                then(.failure(.sync(Self.classify(error, endpoint: path))))
            case .success(let response):
                do {
                    then(.success(try Message.decode(response.body)))
                } catch {
                    then(
                        .failure(
                            .sync(.badResponse(endpoint: path, status: response.status.code, message: "\(error)"))))
                }
            }
        }
    }
}

extension StoreError {
    /// A store call's error as a `StoreError` (offloaded work reports `any Error`).
    static func wrapAny(_ error: any Error) -> StoreError {
        (error as? StoreError) ?? .unexpected("\(error)")
    }
}
