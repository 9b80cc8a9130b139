import HTTP
import Integrations
import TestSupport

extension TestClient {
    /// Sends a provider request as central does and reports what came back as a `ProviderReply`.
    func reply(to request: ProviderRequest) async -> ProviderReply {
        let method: HTTPMethod = request.method == .get ? .get : .post
        let outgoing = HTTPClientRequest(
            method: method, url: request.url, headers: HTTPHeaders(request.headers.map { ($0.name, $0.value) }),
            body: request.body, timeout: .seconds(10), acceptedStatuses: 0..<1000)
        switch await send(outgoing) {
        case .success(let response):
            return .answered(
                ProviderAnswer(
                    status: response.status.code, headers: response.headers.fields.map { ($0.name, $0.value) },
                    body: response.body))
        case .failure(let error):
            switch error.kind {
            case .connectionRefused, .hostNotFound, .tls, .invalidRequest: return .notDelivered(reason: error.message)
            default: return .answerLost(reason: error.message)
            }
        }
    }
}
