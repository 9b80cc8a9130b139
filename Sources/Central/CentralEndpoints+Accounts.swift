import EventLoop
import HTTP
import SyncCore

extension CentralEndpoints {
    /// `GET /v1/accounts[?known=V]` (SYNC-PROTOCOL.md §4.5).
    func accounts(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let known: Int64?
        do {
            try Self.checkVersionHeader(request)
            known = try Self.knownVersion(request.query["known"])
        } catch {
            fail(responder, error)
            return
        }
        let token = request.bearerToken
        let store = self.store
        let acceptsGzip = request.acceptsGzip
        loop.offload({ () -> Result<EncodedBody, ErrorResponse> in
            do throws(ErrorResponse) {
                let response = try store.accountsResponse(token: token, known: known)
                return .success(Self.compressedIfWorthIt(response.encoded(), gzip: acceptsGzip))
            } catch {
                return .failure(error)
            }
        }) { [self] outcome in
            switch outcome {
            case .success(.success(let body)): responder.send(Self.jsonResponse(body))
            case .success(.failure(let error)): fail(responder, error)
            case .failure(let error): fail(responder, ErrorResponse.wrapping(error))
            }
        }
    }

    static func knownVersion(_ text: String?) throws(ErrorResponse) -> Int64? {
        guard let text else { return nil }
        guard let version = Int64(text), version >= 0 else {
            throw ErrorResponse(code: .invalidMessage, message: "known must be an account version (a whole number ≥ 0), got '\(text)'")
        }
        return version
    }

    /// `POST /v1/audit` (SYNC-PROTOCOL.md §4.6).
    func audit(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let body: [UInt8]
        do {
            body = try Self.jsonBody(request, of: "audit")
        } catch {
            fail(responder, error)
            return
        }
        let token = request.bearerToken
        let store = self.store
        loop.offload({ () -> Result<[UInt8], ErrorResponse> in
            do throws(ErrorResponse) {
                return .success(try store.recordAuthEvents(body: try Self.decompressed(body, request: request), token: token).encoded())
            } catch {
                return .failure(error)
            }
        }) { [self] outcome in
            switch outcome {
            case .success(.success(let body)): responder.send(.json(bytes: body))
            case .success(.failure(let error)): fail(responder, error)
            case .failure(let error): fail(responder, ErrorResponse.wrapping(error))
            }
        }
    }
}
