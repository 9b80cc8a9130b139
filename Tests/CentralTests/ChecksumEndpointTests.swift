import Central
import Foundation
import HTTP
import SyncCore
import TestSupport
import Testing

/// `GET /v1/checksums` and `GET /v1/buckets/N` (SYNC-PROTOCOL.md §4.11) on a running central:
/// scoped exactly like a pull, what SyncCore's reference model computes from the same log, and
/// refusals of bad requests. W1 (S01) made o-1 with an item, W2 (S02) made o-2 (ScopeTests).
@Suite struct ChecksumEndpointTests {
    typealias Fixture = ScopeTests.Fixture

    static func get(_ fixture: Fixture, _ path: String, token: String?, version: Bool = true) async throws
        -> HTTPClientResponse
    {
        var headers: HTTPHeaders = [:]
        if let token { headers.set("Authorization", "Bearer \(token)") }
        if version { headers.set(ProtocolVersion.headerName, String(ProtocolVersion.current)) }
        return try await fixture.client.send(.get, fixture.service.baseURL + path, headers: headers)
    }

    static func checksums(_ fixture: Fixture, token: String, query: String = "") async throws -> ChecksumsResponse {
        let response = try await get(fixture, "/v1/checksums" + query, token: token)
        #expect(response.status.code == 200, "\(response.text)")
        return try ChecksumsResponse.decode(response.body)
    }

    static func bucket(_ fixture: Fixture, _ bucket: Int, token: String) async throws -> (BucketResponse, String) {
        let response = try await get(fixture, "/v1/buckets/\(bucket)", token: token)
        #expect(response.status.code == 200, "\(response.text)")
        return (try BucketResponse.decode(response.body), response.text)
    }

    @Test(arguments: CentralBackend.allCases)
    func eachTokenGetsItsScopesChecksumsAsTheReferenceModelComputesThem(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let head = fixture.service.store.headVersion
        // The reference: SyncCore's model fed the whole log.
        var reference = ReplicaModel()
        for entry in try await fixture.pullAll(token: fixture.admin).entries {
            reference.merge(entry.change, version: entry.version)
        }
        let everything = try await Self.checksums(fixture, token: fixture.admin)
        #expect(everything.version == head)
        #expect(everything.buckets == reference.bucketChecksums().buckets)
        #expect(everything.buckets.values.map(\.orders).reduce(0, +) == 2)

        let ofS02 = try await Self.checksums(fixture, token: fixture.w2)
        #expect(ofS02.buckets == reference.bucketChecksums { $0 == "o-2" }.buckets)
        let ofS01 = try await Self.checksums(fixture, token: fixture.w1)
        #expect(ofS01.buckets == reference.bucketChecksums { $0 == "o-1" }.buckets)

        // A bucket's state sums to its checksum, and holds what the reference holds.
        let bucketOfO2 = BucketChecksum.bucket(ofOrder: "o-2")
        let (answer, _) = try await Self.bucket(fixture, bucketOfO2, token: fixture.w2)
        #expect(answer.version == head)
        #expect(answer.orders == [reference.orderState(ofOrder: "o-2")])
        #expect(answer.checksum == ofS02.checksum(ofBucket: bucketOfO2))
        // A range: only its buckets.
        let bucketOfO1 = BucketChecksum.bucket(ofOrder: "o-1")
        let only = try await Self.checksums(
            fixture, token: fixture.admin, query: "?first=\(bucketOfO1)&last=\(bucketOfO1)")
        #expect(only.buckets.keys.sorted() == [bucketOfO1])
        try await fixture.stop()
    }

    @Test(arguments: CentralBackend.allCases)
    func aShopTokenLearnsNothingOfAnotherShopsOrders(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let bucketOfO1 = BucketChecksum.bucket(ofOrder: "o-1")
        let (answer, text) = try await Self.bucket(fixture, bucketOfO1, token: fixture.w2)
        #expect(!answer.orders.contains { $0.orderID == "o-1" })
        #expect(!text.contains(Fixture.secret) && !text.contains("i-1"))
        let ofS02 = try await Self.checksums(fixture, token: fixture.w2)
        if bucketOfO1 != BucketChecksum.bucket(ofOrder: "o-2") { #expect(ofS02.buckets[bucketOfO1] == nil) }
        try await fixture.stop()
    }

    @Test(arguments: CentralBackend.allCases)
    func badChecksumRequestsAreRefused(_ backend: CentralBackend) async throws {
        let fixture = try await Fixture.start(backend)
        let cases: [(String, String?, Bool, Int, ErrorCode)] = [
            ("/v1/buckets/1024", fixture.w1, true, 400, .invalidMessage),
            ("/v1/buckets/x", fixture.w1, true, 400, .invalidMessage),
            ("/v1/checksums?first=9&last=8", fixture.w1, true, 400, .invalidMessage),
            ("/v1/checksums?after=1", fixture.w1, true, 400, .invalidMessage),
            ("/v1/buckets/3?x=1", fixture.w1, true, 400, .invalidMessage),
            ("/v1/checksums", fixture.w1, false, 400, .invalidMessage),
            ("/v1/checksums", nil, true, 401, .unauthorized),
            ("/v1/buckets/3", "not-a-token", true, 401, .unauthorized),
        ]
        for (path, token, version, status, code) in cases {
            let response = try await Self.get(fixture, path, token: token, version: version)
            #expect(response.status.code == status, "\(path): \(response.text)")
            #expect(try protocolError(response).code == code, "\(path)")
        }
        try await fixture.stop()
    }
}
