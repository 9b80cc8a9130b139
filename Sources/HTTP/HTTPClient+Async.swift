import EventLoop

extension LoopBound where Value == HTTPClient {
    /// Sends `request` from any thread or task: hops to the client's loop, waits for the
    /// completion there, and returns the response or throws the typed error.
    package func response(for request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let bound = self
        let result: Result<HTTPClientResponse, HTTPClientError>
        do {
            result = try await loop.submitDeferred { _, finish in
                bound.value.send(request) { finish(.success($0)) }
            }
        } catch {
            throw HTTPClientError(kind: .cancelled, url: request.url, message: "the client's event loop has shut down")
        }
        return try result.get()
    }
}
