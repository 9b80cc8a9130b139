import EventLoop
import Foundation
import HTTP
import Store
import SyncCore

/// The staff side of a sync cycle, after the pull: central's accounts (`GET /v1/accounts?known=V`,
/// at most every `accountsInterval`, so a role changed or an account disabled at central takes
/// effect here within seconds of the next cycle) and this node's sign-in events
/// (`POST /v1/audit`, marked uploaded once central has them).
extension SyncEngine {
    func refreshAccounts() {
        if let last = accountsFetchedAt, ContinuousClock.now - last < configuration.accountsInterval {
            return uploadAuthEvents()
        }
        withStore({ store throws(StoreError) in try store.centralAccountsVersion() }) { [self] known in
            let request = HTTPClientRequest(
                method: .get, url: AccountsFetch.url(endpoint.centralURL, known: known),
                headers: protocolHeaders, timeout: configuration.requestTimeout)
            send(request, endpoint: "/v1/accounts") { [self] result in
                switch result {
                case .failure(let error): fail(error)
                case .success(let response):
                    let accounts: AccountsResponse
                    do { accounts = try AccountsResponse.decode(response.body) } catch {
                        return fail(
                            .badResponse(endpoint: "/v1/accounts", status: response.status.code, message: "\(error)"))
                    }
                    withStore({ store throws(StoreError) in try store.replaceAccounts(accounts) }) { [self] _ in
                        accountsFetchedAt = .now
                        uploadAuthEvents()
                    }
                }
            }
        }
    }

    func uploadAuthEvents() {
        withStore({ store throws(StoreError) in try store.pendingAuthEvents() }) { [self] events in
            guard !events.isEmpty else { return finish() }
            var headers = protocolHeaders
            headers.set("Content-Type", "application/json")
            let upload = AuditUploadRequest(nodeID: endpoint.nodeID, events: events)
            let request = HTTPClientRequest(
                method: .post, url: endpoint.centralURL + "/v1/audit", headers: headers,
                body: upload.encoded(), timeout: configuration.requestTimeout)
            send(request, endpoint: "/v1/audit") { [self] result in
                switch result {
                case .failure(let error): fail(error)
                case .success(let response):
                    do { _ = try AuditUploadResponse.decode(response.body) } catch {
                        return fail(
                            .badResponse(endpoint: "/v1/audit", status: response.status.code, message: "\(error)"))
                    }
                    let ids = events.map(\.id)
                    withStore({ store throws(StoreError) in try store.markAuthEventsUploaded(ids) }) { [self] _ in
                        finish()
                    }
                }
            }
        }
    }
}

/// One fetch of central's accounts outside the daemon (`kct join`), on a loop of its own.
package enum AccountsFetch {
    static func url(_ centralURL: String, known: Int64?) -> String {
        centralURL + "/v1/accounts" + (known.map { "?known=\($0)" } ?? "")
    }

    /// Fetches central's accounts into the replica; returns how many accounts it now has, or
    /// throws why central could not be asked.
    package static func once(store: OrderStore, endpoint: SyncEndpoint, timeout: Duration = .seconds(15)) throws -> Int
    {
        let loop = try EventLoop(configuration: .init(lagSampleInterval: nil))
        let client = try HTTPClient(loop: loop)
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(endpoint.token)")
        headers.set(ProtocolVersion.headerName, String(ProtocolVersion.current))
        let request = HTTPClientRequest(
            method: .get, url: url(endpoint.centralURL, known: nil), headers: headers, timeout: timeout)
        var outcome: Result<AccountsResponse, SyncError> = .failure(
            .badResponse(endpoint: "/v1/accounts", status: 0, message: "no answer"))
        _ = client.send(request) { result in
            switch result {
            case .success(let response):
                do { outcome = .success(try AccountsResponse.decode(response.body)) } catch {
                    outcome = .failure(
                        .badResponse(endpoint: "/v1/accounts", status: response.status.code, message: "\(error)"))
                }
            case .failure(let error):
                outcome = .failure(SyncEngine.classify(error, endpoint: "/v1/accounts"))
            }
            client.close()
            loop.shutdown()
        }
        try loop.run()
        let accounts = try outcome.get()
        try store.replaceAccounts(accounts)
        return accounts.accounts.count
    }
}
